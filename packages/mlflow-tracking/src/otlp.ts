/**
 * Spans as an OTLP/JSON `ExportTraceServiceRequest`, for MLflow's `POST /v1/traces` (open-source
 * MLflow ≥ 3.4 with a SQL backend stores them in its tracking database, so they are searchable and
 * no `traces.json` artifact is needed).
 *
 * MLflow decodes each OTLP AnyValue and JSON-encodes it again to get its attribute strings, so the
 * values here are the decoded JSON of our (Python-form, JSON-encoded) attributes: a string becomes
 * `stringValue`, an object `kvlistValue`, and so on. Sending the JSON text itself would arrive
 * double-encoded. MLflow-native keys (`mlflow.spanType`, ...) need no translator on the server.
 */
import type { Span, SpanEvent, StatusCode } from './spans.js';
import { VERSION } from './version.js';

type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | Record<string, never>;

interface KeyValue {
  key: string;
  value: AnyValue;
}

export function toAnyValue(value: unknown): AnyValue {
  if (value === null || value === undefined) return {};
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number')
    return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (typeof value === 'bigint') return { intValue: value.toString() };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(toAnyValue) } };
  if (typeof value === 'object')
    return {
      kvlistValue: {
        values: Object.entries(value as Record<string, unknown>).map(([key, v]) => ({
          key,
          value: toAnyValue(v),
        })),
      },
    };
  return { stringValue: String(value) };
}

/** Our attributes hold JSON text; a value that is not JSON is sent as the string it is. */
function decodedAttribute(raw: string): AnyValue {
  try {
    return toAnyValue(JSON.parse(raw));
  } catch {
    return { stringValue: raw };
  }
}

const STATUS: Record<StatusCode, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

function eventOf(event: SpanEvent) {
  return {
    name: event.name,
    timeUnixNano: event.timeNs.toString(),
    attributes: Object.entries(event.attributes).map(([key, value]) => ({
      key,
      value: toAnyValue(value),
    })),
  };
}

function spanOf(span: Span) {
  return {
    // OTLP/JSON carries ids as hex (the protobuf JSON mapping's base64 does not apply to them).
    traceId: span.traceIdHex,
    spanId: span.spanIdHex,
    ...(span.parentSpanIdHex ? { parentSpanId: span.parentSpanIdHex } : {}),
    name: span.name,
    kind: 1, // SPAN_KIND_INTERNAL, as MLflow's own tracer records LangChain runs
    // uint64 as decimal strings: nanosecond clocks exceed 2^53.
    startTimeUnixNano: span.startNs.toString(),
    endTimeUnixNano: (span.endNs ?? span.startNs).toString(),
    attributes: Object.entries(span.attributes).map(([key, raw]) => ({
      key,
      value: decodedAttribute(raw),
    })),
    events: span.events.map(eventOf),
    status: { code: STATUS[span.status.code], message: span.status.message },
  };
}

/** The request body for `POST /v1/traces` carrying every span of one trace. */
export function otlpTraceRequest(spans: readonly Span[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [] },
        scopeSpans: [
          {
            scope: { name: '@lakechain/mlflow-tracking', version: VERSION },
            spans: spans.map(spanOf),
          },
        ],
      },
    ],
  });
}
