import { describe, expect, it } from 'vitest';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  EMPTY_SHA256,
  formatAmzDate,
  parseAmzDate,
  parseAuthorization,
  signatureOf,
  signingKey,
  stringToSign,
  uriEncode,
} from './sigv4.js';
import { signS3Request } from './testing_sigv4.js';

// The example credentials of the AWS SigV4 documentation and test suite.
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const AMZ_DATE = '20150830T123600Z';

function sign(
  parts: Parameters<typeof canonicalRequest>[0],
  region: string,
  service: string,
): { canonical: string; signature: string } {
  const canonical = canonicalRequest(parts);
  const scope = credentialScope('20150830', region, service);
  const signature = signatureOf(
    signingKey(SECRET, '20150830', region, service),
    stringToSign(AMZ_DATE, scope, canonical),
  );
  return { canonical, signature };
}

describe('SigV4 canonicalisation against AWS published examples', () => {
  it('the IAM ListUsers example of the AWS documentation', () => {
    const { canonical, signature } = sign(
      {
        method: 'GET',
        uri: canonicalUri('/'),
        query: canonicalQuery('Action=ListUsers&Version=2010-05-08'),
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          host: 'iam.amazonaws.com',
          'x-amz-date': AMZ_DATE,
        },
        signedHeaders: ['content-type', 'host', 'x-amz-date'],
        payloadHash: EMPTY_SHA256,
      },
      'us-east-1',
      'iam',
    );
    expect(canonical).toBe(
      [
        'GET',
        '/',
        'Action=ListUsers&Version=2010-05-08',
        'content-type:application/x-www-form-urlencoded; charset=utf-8',
        'host:iam.amazonaws.com',
        'x-amz-date:20150830T123600Z',
        '',
        'content-type;host;x-amz-date',
        EMPTY_SHA256,
      ].join('\n'),
    );
    expect(signature).toBe('5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  });

  it('get-vanilla-query-order-key-case of the SigV4 test suite (query parameters sorted)', () => {
    const { canonical, signature } = sign(
      {
        method: 'GET',
        uri: canonicalUri('/'),
        query: canonicalQuery('Param2=value2&Param1=value1'),
        headers: { host: 'example.amazonaws.com', 'x-amz-date': AMZ_DATE },
        signedHeaders: ['host', 'x-amz-date'],
        payloadHash: EMPTY_SHA256,
      },
      'us-east-1',
      'service',
    );
    expect(canonical.split('\n')[2]).toBe('Param1=value1&Param2=value2');
    expect(signature).toBe('b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500');
  });
});

describe('S3 specifics', () => {
  it('encodes the path once, keeps slashes, and re-encodes what clients leave raw', () => {
    expect(canonicalUri('/bucket/a%20b/c~d/e%2Bf')).toBe('/bucket/a%20b/c~d/e%2Bf');
    expect(canonicalUri("/bucket/it's (1).txt")).toBe('/bucket/it%27s%20%281%29.txt');
    expect(canonicalUri('/bucket/caf%C3%A9')).toBe('/bucket/caf%C3%A9');
    expect(uriEncode('a/b', false)).toBe('a/b');
  });

  it('sorts and encodes query parameters, empty values included', () => {
    expect(canonicalQuery('prefix=a%2Fb&list-type=2&acl')).toBe('acl=&list-type=2&prefix=a%2Fb');
    expect(canonicalQuery('X-Amz-Signature=abc&b=1', ['X-Amz-Signature'])).toBe('b=1');
  });

  it('trims and collapses header values', () => {
    const canonical = canonicalRequest({
      method: 'put',
      uri: '/',
      query: '',
      headers: { 'X-Amz-Meta-Note': '  a   b  ', host: 'h' },
      signedHeaders: ['host', 'x-amz-meta-note'],
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    expect(canonical).toBe(
      'PUT\n/\n\nhost:h\nx-amz-meta-note:a b\n\nhost;x-amz-meta-note\nUNSIGNED-PAYLOAD',
    );
  });

  it('joins a header sent on several lines with a bare comma', () => {
    // The get-header-value-multiline / duplicate-header cases: values trimmed, joined by ','.
    // Node's request.headers would give 'a, b'; headersDistinct gives the lines.
    const canonical = canonicalRequest({
      method: 'GET',
      uri: '/',
      query: '',
      headers: { host: 'h', 'x-amz-meta-list': [' a ', 'b  c'] },
      signedHeaders: ['host', 'x-amz-meta-list'],
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    expect(canonical.split('\n')[4]).toBe('x-amz-meta-list:a,b c');
  });

  it('parses the Authorization header and dates', () => {
    const parsed = parseAuthorization(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request,SignedHeaders=Host;x-amz-date, Signature=abc',
    );
    expect(parsed).toEqual({
      algorithm: 'AWS4-HMAC-SHA256',
      credential: {
        accessKeyId: 'AKIDEXAMPLE',
        date: '20150830',
        region: 'us-east-1',
        service: 's3',
        terminator: 'aws4_request',
      },
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'abc',
    });
    expect(typeof parseAuthorization('AWS4-HMAC-SHA256 Credential=x')).toBe('string');
    expect(formatAmzDate(parseAmzDate(AMZ_DATE)!)).toBe(AMZ_DATE);
  });

  it('agrees with the independent test signer', () => {
    const credentials = { accessKeyId: 'ASIATEST', secretAccessKey: SECRET, sessionToken: 'tok' };
    const body = Buffer.from('hello');
    const request = signS3Request({
      endpoint: 'https://127.0.0.1:8443',
      method: 'PUT',
      bucket: 'bucket',
      key: "dir/it's here.txt",
      body,
      region: 'us-west-2',
      credentials,
      date: new Date('2015-08-30T12:36:00Z'),
    });
    const parsed = parseAuthorization(request.headers.authorization!);
    if (typeof parsed === 'string') throw new Error(parsed);
    const url = new URL(request.url);
    const canonical = canonicalRequest({
      method: 'PUT',
      uri: canonicalUri(url.pathname),
      query: canonicalQuery(url.search.slice(1)),
      headers: { ...request.headers, host: url.host },
      signedHeaders: parsed.signedHeaders,
      payloadHash: request.headers['x-amz-content-sha256']!,
    });
    const signature = signatureOf(
      signingKey(SECRET, '20150830', 'us-west-2', 's3'),
      stringToSign(AMZ_DATE, credentialScope('20150830', 'us-west-2', 's3'), canonical),
    );
    expect(signature).toBe(parsed.signature);
  });
});
