import { describe, expect, it } from 'vitest';
import {
  redactForInspection,
  redactHeaders,
  redactSecrets,
  redactUrl,
  summarizeBody,
} from './redact.js';

describe('redaction helpers', () => {
  it('replaces every occurrence of every secret, longest first', () => {
    expect(redactSecrets('a dapi123456 b dapi123456-x c', ['dapi123456', 'dapi123456-x'])).toBe(
      'a [REDACTED] b [REDACTED] c',
    );
    expect(redactSecrets('keep me', [undefined, '', 'ab'])).toBe('keep me');
  });

  it('also redacts a secret in its JSON-escaped form, as it appears in serialised payloads', () => {
    const secret = 'pa"ss\\word';
    const payload = JSON.stringify({ password: secret });
    expect(payload).not.toContain(secret);
    expect(redactSecrets(payload, [secret])).toBe('{"password":"[REDACTED]"}');
  });

  it('redacts credential headers only', () => {
    expect(redactHeaders({ Authorization: 'Bearer x', 'Content-Type': 'a', cookie: 'c' })).toEqual({
      Authorization: '[REDACTED]',
      'Content-Type': 'a',
      cookie: '[REDACTED]',
    });
  });

  it('redacts URL credentials and sensitive query values', () => {
    expect(redactUrl('https://u:p@h.com/cb?code=abc&state=s&client_secret=zz')).toBe(
      'https://h.com/cb?code=REDACTED&state=s&client_secret=REDACTED',
    );
    // Signed cloud-storage URLs keep their shape but lose their signatures and session tokens.
    const signed = new URL(
      redactUrl(
        'https://b.s3.amazonaws.com/k?X-Amz-Credential=ASIA%2F1&X-Amz-Signature=abc&X-Amz-Security-Token=tok&X-Amz-Expires=900',
      ),
    );
    expect(Object.fromEntries(signed.searchParams)).toEqual({
      'X-Amz-Credential': 'REDACTED',
      'X-Amz-Signature': 'REDACTED',
      'X-Amz-Security-Token': 'REDACTED',
      'X-Amz-Expires': '900',
    });
    expect(redactUrl('https://a.blob.core.windows.net/c/f?sv=2023-11-03&sig=zzz')).not.toContain(
      'zzz',
    );
  });

  it('summarises HTML and long bodies instead of dumping them', () => {
    const html = `<html><title>Bad Gateway</title>${'x'.repeat(10_000)}</html>`;
    expect(summarizeBody(html)).toBe(
      `an HTML page titled "Bad Gateway" (${html.length} characters)`,
    );
    const long = 'y'.repeat(1000);
    expect(summarizeBody(long)).toMatch(/^"y{160}…" \(1000 characters\)$/);
    expect(summarizeBody({ token: 'hunter2hunter2' }, ['hunter2hunter2'])).toBe(
      '"{"token":"[REDACTED]"}"',
    );
  });
});

describe('redactForInspection', () => {
  it('masks credential keys at any depth, keeps token counts and everything else', async () => {
    const { inspect } = await import('node:util');
    const target = {
      endpoint: 'chat',
      token: 'dapi-CANARY-1',
      maxTokens: 256,
      input_tokens: 3,
      nested: { clientSecret: 'CANARY-2', databricksToken: 'CANARY-3', password: 'CANARY-4' },
      trackingUri: 'https://user:CANARY-5@mlflow.example.com/?token=CANARY-6',
      tokenProvider: () => 'x',
    };
    const printed = inspect(redactForInspection(target), { depth: 10 });
    expect(printed).not.toMatch(/CANARY/);
    expect(printed).toContain('maxTokens: 256');
    expect(printed).toContain('input_tokens: 3');
    expect(printed).toContain("endpoint: 'chat'");
    expect(printed).toContain('[Function tokenProvider]');
  });

  it('survives cycles and names the class', async () => {
    const { inspect } = await import('node:util');
    class Model {
      self = this;
      apiKey = 'CANARY';
    }
    const printed = inspect(redactForInspection(new Model()));
    expect(printed).toContain('Model');
    expect(printed).toContain('[Circular]');
    expect(printed).not.toContain('CANARY');
  });
});
