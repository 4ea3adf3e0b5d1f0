import { describe, expect, it } from 'vitest';
import { otlpTraceRequest, toAnyValue } from './otlp.js';
import type { Span } from './spans.js';

describe('toAnyValue', () => {
  it('maps JSON values to OTLP AnyValues (no double encoding)', () => {
    expect(toAnyValue('LLM')).toEqual({ stringValue: 'LLM' });
    expect(toAnyValue(3)).toEqual({ intValue: '3' });
    expect(toAnyValue(0.5)).toEqual({ doubleValue: 0.5 });
    expect(toAnyValue(2 ** 60)).toEqual({ doubleValue: 2 ** 60 });
    expect(toAnyValue(false)).toEqual({ boolValue: false });
    expect(toAnyValue(null)).toEqual({});
    expect(toAnyValue({ a: [1, 'x'] })).toEqual({
      kvlistValue: {
        values: [
          {
            key: 'a',
            value: { arrayValue: { values: [{ intValue: '1' }, { stringValue: 'x' }] } },
          },
        ],
      },
    });
  });
});

describe('otlpTraceRequest', () => {
  it('keeps hex ids, exact nanosecond times and decodes the JSON-encoded attributes', () => {
    const span: Span = {
      traceIdHex: '0af7651916cd43dd8448eb211c80319c',
      spanIdHex: 'b7ad6b7169203331',
      parentSpanIdHex: undefined,
      name: 'root',
      startNs: 1_795_487_137_057_544_982n,
      endNs: 1_795_487_137_064_266_721n,
      status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
      attributes: { 'mlflow.spanType': '"CHAIN"', 'mlflow.spanInputs': '{"q":"hi"}' },
      events: [{ name: 'exception', timeNs: 1n, attributes: { 'exception.message': 'boom' } }],
    };
    const body = JSON.parse(otlpTraceRequest([span]));
    const sent = body.resourceSpans[0].scopeSpans[0].spans[0];
    expect(sent).toMatchObject({
      traceId: span.traceIdHex,
      spanId: span.spanIdHex,
      startTimeUnixNano: '1795487137057544982',
      endTimeUnixNano: '1795487137064266721',
      status: { code: 2, message: 'boom' },
      attributes: [
        { key: 'mlflow.spanType', value: { stringValue: 'CHAIN' } },
        {
          key: 'mlflow.spanInputs',
          value: { kvlistValue: { values: [{ key: 'q', value: { stringValue: 'hi' } }] } },
        },
      ],
      events: [
        {
          name: 'exception',
          timeUnixNano: '1',
          attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }],
        },
      ],
    });
    expect(sent.parentSpanId).toBeUndefined();
  });
});
