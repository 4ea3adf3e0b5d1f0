import { describe, expect, it } from 'vitest';
import {
  buildTraceInfo,
  durationString,
  hexToBase64,
  newSpanIdHex,
  newTraceIdHex,
  nowNs,
  type Span,
  safeJson,
  spanToJson,
  timestampString,
} from './spans.js';

function span(partial: Partial<Span> = {}): Span {
  return {
    traceIdHex: '0123456789abcdef0123456789abcdef',
    spanIdHex: '0011223344556677',
    parentSpanIdHex: undefined,
    name: 'root',
    startNs: 1_718_000_000_123_456_789n,
    endNs: 1_718_000_001_987_654_321n,
    status: { code: 'STATUS_CODE_OK', message: '' },
    attributes: { 'mlflow.spanType': '"CHAIN"' },
    events: [],
    ...partial,
  };
}

describe('ids and clock', () => {
  it('makes OTel-sized random ids', () => {
    const ids = new Set(Array.from({ length: 2000 }, newSpanIdHex));
    expect(ids.size).toBe(2000);
    expect(newTraceIdHex()).toMatch(/^[0-9a-f]{32}$/);
    expect(hexToBase64('0123456789abcdef0123456789abcdef')).toBe('ASNFZ4mrze8BI0VniavN7w==');
  });

  it('nowNs is wall-clock nanoseconds and monotonic', () => {
    const a = nowNs();
    const b = nowNs();
    expect(b >= a).toBe(true);
    expect(Number(a / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('traces.json', () => {
  it('emits exact nanosecond integers beyond 2^53 and base64 ids', () => {
    const text = spanToJson(span({ parentSpanIdHex: '8899aabbccddeeff' }));
    expect(text).toContain('"start_time_unix_nano":1718000000123456789');
    expect(text).toContain('"end_time_unix_nano":1718000001987654321');
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed.trace_id).toBe('ASNFZ4mrze8BI0VniavN7w==');
    expect(parsed.parent_span_id).toBe(Buffer.from('8899aabbccddeeff', 'hex').toString('base64'));
    expect(JSON.parse(spanToJson(span())).parent_span_id).toBeNull();
  });

  it('trace info: duration, timestamp, state, schema version', () => {
    expect(durationString(1_234_000_000n)).toBe('1.234s');
    expect(durationString(2_000_000_000n)).toBe('2s');
    expect(timestampString(1_718_000_000_123_456_789n)).toBe('2024-06-10T06:13:20.123456789Z');
    const info = buildTraceInfo(
      {
        traceIdHex: '0123456789abcdef0123456789abcdef',
        spans: [],
        rootSpan: span({ status: { code: 'STATUS_CODE_ERROR', message: 'x' } }),
        metadata: {},
        tags: {},
        requestPreview: '',
        responsePreview: '',
      },
      '5',
    );
    expect(info).toMatchObject({
      trace_id: 'tr-0123456789abcdef0123456789abcdef',
      state: 'ERROR',
      execution_duration: '1.864197532s',
      trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '5' } },
      trace_metadata: { 'mlflow.trace_schema.version': '3' },
      tags: { 'mlflow.traceName': 'root' },
    });
  });
});

describe('safeJson', () => {
  it('handles cycles, bigint, errors and masks credential keys but not token counts', () => {
    const a: Record<string, unknown> = { n: 1n, err: new RangeError('bad') };
    a.self = a;
    expect(JSON.parse(safeJson(a))).toEqual({
      n: '1',
      err: { type: 'RangeError', message: 'bad' },
      self: '[Circular]',
    });
    expect(
      JSON.parse(
        safeJson({
          apiKey: 'k1',
          openAIApiKey: 'k2',
          password: 'p',
          access_token: 't',
          max_tokens: 5,
          total_tokens: 9,
        }),
      ),
    ).toEqual({
      apiKey: '[REDACTED]',
      openAIApiKey: '[REDACTED]',
      password: '[REDACTED]',
      access_token: '[REDACTED]',
      max_tokens: 5,
      total_tokens: 9,
    });
  });
});
