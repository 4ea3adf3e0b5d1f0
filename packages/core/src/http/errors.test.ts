import { describe, expect, it } from 'vitest';
import { isTokenRejection, parseErrorBody, toApiError } from './errors.js';

function errorFor(
  status: number,
  body: string,
  contentType: string | null = 'application/json',
  extraHeaders: Record<string, string> = {},
) {
  const headers = new Headers(extraHeaders);
  if (contentType) headers.set('content-type', contentType);
  return toApiError({
    status,
    headers,
    body,
    method: 'GET',
    path: '/api/2.0/thing',
    attempts: 3,
  });
}

describe('parseErrorBody', () => {
  it.each([
    [
      'Databricks REST',
      '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Cluster 1 does not exist"}',
      'application/json',
      { kind: 'json', errorCode: 'RESOURCE_DOES_NOT_EXIST', message: 'Cluster 1 does not exist' },
    ],
    [
      'OpenAI-style (serving endpoints)',
      '{"error":{"message":"Input too long","type":"invalid_request_error","code":"context_length_exceeded"}}',
      'application/json',
      { kind: 'json', errorCode: 'context_length_exceeded', message: 'Input too long' },
    ],
    [
      'OpenAI-style without code',
      '{"error":{"message":"m","type":"server_error"}}',
      'application/json',
      { kind: 'json', errorCode: 'server_error', message: 'm' },
    ],
    [
      'OAuth',
      '{"error":"invalid_client","error_description":"Client authentication failed"}',
      'application/json',
      { kind: 'json', errorCode: 'invalid_client', message: 'Client authentication failed' },
    ],
    [
      'FastAPI detail',
      '{"detail":"Model not ready"}',
      'application/json',
      { kind: 'json', message: 'Model not ready' },
    ],
    [
      'plain text',
      'upstream connect error',
      'text/plain',
      { kind: 'text', message: 'upstream connect error' },
    ],
    [
      'JSON body with a text content type',
      '{"error_code":"X","message":"y"}',
      'text/plain',
      { kind: 'json', errorCode: 'X', message: 'y' },
    ],
    [
      'HTML page',
      '<!DOCTYPE html><html><head><title>502 Bad\n  Gateway</title></head><body>…</body></html>',
      'text/html',
      { kind: 'html', message: '502 Bad Gateway' },
    ],
    [
      'HTML sniffed without content type',
      '<html><body><h1>Oops</h1></body></html>',
      null,
      { kind: 'html', message: 'Oops' },
    ],
    [
      'S3 XML error',
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region &apos;us-east-1&apos; is wrong; expecting &apos;us-west-2&apos;</Message><Region>us-west-2</Region><RequestId>R1</RequestId></Error>',
      'application/xml',
      {
        kind: 'xml',
        errorCode: 'AuthorizationHeaderMalformed',
        message: "the region 'us-east-1' is wrong; expecting 'us-west-2'",
        details: { Region: 'us-west-2', RequestId: 'R1' },
      },
    ],
    [
      'Azure Blob XML error without a declaration',
      '<Error><Code>AuthenticationFailed</Code><Message>Signature did not match</Message></Error>',
      null,
      { kind: 'xml', errorCode: 'AuthenticationFailed', message: 'Signature did not match' },
    ],
    [
      'S3 signature error: the echoed signed request (with its session token) is dropped',
      '<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message><StringToSign>AWS4</StringToSign><CanonicalRequest>PUT\n/k\n\nx-amz-security-token:SECRETTOKEN</CanonicalRequest></Error>',
      'application/xml',
      {
        kind: 'xml',
        errorCode: 'SignatureDoesNotMatch',
        details: { Code: 'SignatureDoesNotMatch', Message: 'm' },
      },
    ],
    [
      'XML that is not an error',
      '<?xml version="1.0"?><Other/>',
      'application/xml',
      { kind: 'text' },
    ],
    ['empty', '', 'application/json', { kind: 'empty' }],
    ['truncated JSON', '{"error_code":"X"', 'application/json', { kind: 'text' }],
  ])('%s', (_name, body, contentType, expected) => {
    expect(parseErrorBody(body, contentType)).toMatchObject(expected);
  });

  it('never keeps the signed request S3 echoes in signature errors (it holds the session token)', () => {
    const parsed = parseErrorBody(
      '<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message><StringToSign>AWS4</StringToSign><CanonicalRequest>PUT\n/k\n\nx-amz-security-token:SECRETTOKEN</CanonicalRequest><SignatureProvided>abc</SignatureProvided></Error>',
      'application/xml',
    );
    expect(parsed.details).toEqual({ Code: 'SignatureDoesNotMatch', Message: 'm' });
    expect(JSON.stringify(parsed)).not.toContain('SECRETTOKEN');
  });

  it('caps long bodies at about 500 characters', () => {
    const parsed = parseErrorBody('x'.repeat(10_000), 'text/plain');
    expect(parsed.message?.length).toBeLessThanOrEqual(501);
  });
});

describe('toApiError', () => {
  it('names status, method, path, code, message and request id', () => {
    const error = errorFor(
      404,
      '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"No such table."}',
      'application/json',
      { 'x-request-id': 'req-123' },
    );
    expect(error.message).toBe(
      'HTTP 404 from GET /api/2.0/thing [RESOURCE_DOES_NOT_EXIST]: No such table. ' +
        'The resource does not exist, or this identity cannot see it. (request id req-123)',
    );
    expect(error).toMatchObject({
      statusCode: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      requestId: 'req-123',
      method: 'GET',
      path: '/api/2.0/thing',
      retryable: false,
    });
    expect(error.details).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'No such table.',
    });
  });

  it.each([
    [401, '{"error_code":"UNAUTHENTICATED","message":"x"}', 'check the token or credentials'],
    [
      403,
      '{"error_code":"PERMISSION_DENIED","message":"x"}',
      'lacks permission, or the token expired',
    ],
    [404, '{"error_code":"ENDPOINT_NOT_FOUND","message":"x"}', 'api endpoint does not exist'],
    [429, '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"x"}', 'rate limited after 3 attempts'],
    [503, 'busy', 'unavailable after 3 attempts'],
  ])('HTTP %i says what to do', (status, body, hint) => {
    expect(errorFor(status, body).message.toLowerCase()).toContain(hint);
  });

  it('summarises an HTML page from a proxy instead of dumping it', () => {
    const page = `<html><head><title>502 Bad Gateway</title></head><body>${'<p>filler</p>'.repeat(500)}</body></html>`;
    const error = errorFor(502, page, 'text/html; charset=utf-8', {
      'x-databricks-request-id': 'dbx-1',
    });
    expect(error.message).toContain(
      'HTTP 502 from GET /api/2.0/thing: received an HTML error page (probably from a proxy or ' +
        'load balancer), not a Databricks API response (page title: "502 Bad Gateway")',
    );
    expect(error.message).not.toContain('<p>');
    expect(error.message.length).toBeLessThan(400);
    expect(error.requestId).toBe('dbx-1');
    expect(error.retryable).toBe(true);
  });

  it('falls back to the status text for an empty body', () => {
    const error = toApiError({
      status: 500,
      statusText: 'Internal Server Error',
      headers: new Headers(),
      body: '',
      method: 'POST',
      path: '/p',
      attempts: 1,
    });
    expect(error.message).toBe('HTTP 500 from POST /p: Internal Server Error.');
  });
});

describe('isTokenRejection', () => {
  it.each([
    [401, '{"message":"anything"}', true],
    [403, '{"error_code":"403","message":"Invalid access token."}', true],
    [403, '{"error_code":"PERMISSION_DENIED","message":"Token is expired."}', true],
    [403, '{"error":"invalid_token","error_description":"The token expired"}', true],
    [403, '{"error_code":"PERMISSION_DENIED","message":"User does not have USE CATALOG"}', false],
    [500, 'Invalid access token', false],
  ])('%i %s → %s', (status, body, expected) => {
    expect(isTokenRejection(status, parseErrorBody(body, 'application/json'))).toBe(expected);
  });
});
