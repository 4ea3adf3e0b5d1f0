/**
 * The MLflow 3 trace data model as this package builds it: OpenTelemetry-shaped spans with
 * MLflow attribute conventions, plus the serialisers for `traces.json` and `TraceInfoV3`.
 */
import { randomFillSync } from 'node:crypto';
import { isSensitiveKey, REDACTED } from '@lakechain/core';

export const SpanType = {
  LLM: 'LLM',
  CHAIN: 'CHAIN',
  AGENT: 'AGENT',
  TOOL: 'TOOL',
  CHAT_MODEL: 'CHAT_MODEL',
  RETRIEVER: 'RETRIEVER',
  PARSER: 'PARSER',
  EMBEDDING: 'EMBEDDING',
  RERANKER: 'RERANKER',
  MEMORY: 'MEMORY',
  UNKNOWN: 'UNKNOWN',
} as const;
export type SpanType = (typeof SpanType)[keyof typeof SpanType];

export const SpanAttributeKey = {
  REQUEST_ID: 'mlflow.traceRequestId',
  SPAN_TYPE: 'mlflow.spanType',
  INPUTS: 'mlflow.spanInputs',
  OUTPUTS: 'mlflow.spanOutputs',
  FUNCTION_NAME: 'mlflow.spanFunctionName',
  CHAT_TOOLS: 'mlflow.chat.tools',
  TOKEN_USAGE: 'mlflow.chat.tokenUsage',
  MESSAGE_FORMAT: 'mlflow.message.format',
  LLM_MODEL: 'mlflow.llm.model',
  LLM_PROVIDER: 'mlflow.llm.provider',
} as const;

export const TraceMetadataKey = {
  SCHEMA_VERSION: 'mlflow.trace_schema.version',
  TOKEN_USAGE: 'mlflow.trace.tokenUsage',
  INPUTS: 'mlflow.traceInputs',
  OUTPUTS: 'mlflow.traceOutputs',
  SESSION: 'mlflow.trace.session',
  USER: 'mlflow.trace.user',
  SOURCE_RUN: 'mlflow.sourceRun',
} as const;

export type StatusCode = 'STATUS_CODE_UNSET' | 'STATUS_CODE_OK' | 'STATUS_CODE_ERROR';

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export type EventAttributeValue = string | number | boolean;

export interface SpanEvent {
  name: string;
  timeNs: bigint;
  attributes: Record<string, EventAttributeValue>;
}

/** One span. Attribute values are stored JSON-encoded, the form Python's tracer writes. */
export interface Span {
  traceIdHex: string;
  spanIdHex: string;
  parentSpanIdHex: string | undefined;
  name: string;
  startNs: bigint;
  endNs: bigint | undefined;
  status: { code: StatusCode; message: string };
  attributes: Record<string, string>;
  events: SpanEvent[];
}

// --- ids and clocks -----------------------------------------------------------------------

// Random bytes are drawn from a refilled pool: one syscall per ~340 spans instead of one per id,
// which matters on the critical path of every LangChain callback.
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  // OTel forbids all-zero ids; the odds are negligible but the fix is free.
  return /^0+$/.test(hex) ? randomHex(bytes) : hex;
}

export const newTraceIdHex = (): string => randomHex(16);
export const newSpanIdHex = (): string => randomHex(8);

/** `tr-<32 hex>`: the MLflow trace id of an OTel trace id. */
export const mlflowTraceId = (traceIdHex: string): string => `tr-${traceIdHex}`;

export const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

// Wall-clock nanoseconds: Date.now() has millisecond resolution, so anchor it once and advance
// with the monotonic high-resolution clock. Stays a BigInt because epoch nanoseconds exceed 2^53.
const epochAnchorNs = BigInt(Date.now()) * 1_000_000n;
const hrAnchor = process.hrtime.bigint();
export function nowNs(): bigint {
  return epochAnchorNs + (process.hrtime.bigint() - hrAnchor);
}

// --- attribute encoding -------------------------------------------------------------------

/**
 * JSON for arbitrary LangChain values: serialisable LangChain objects become their `lc` form,
 * errors their message, cycles and functions are cut, BigInts become strings, values under
 * credential-looking keys are masked. Never throws, because it runs inside user callbacks.
 */
export function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    const text = JSON.stringify(value, function replacer(this: unknown, key, v: unknown) {
      if (v != null && v !== '' && isSensitiveKey(key) && typeof v !== 'object') return REDACTED;
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'function' || typeof v === 'symbol') return undefined;
      if (v instanceof Error) return { type: v.name, message: v.message };
      if (v !== null && typeof v === 'object') {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
    return text === undefined ? 'null' : text;
  } catch {
    return JSON.stringify(String(value));
  }
}

export function setAttribute(span: Span, key: string, value: unknown): void {
  span.attributes[key] = safeJson(value);
}

export function getAttribute<T = unknown>(span: Span, key: string): T | undefined {
  const raw = span.attributes[key];
  if (raw === undefined) return undefined;
  return JSON.parse(raw) as T;
}

// --- serialisation ------------------------------------------------------------------------

function eventJson(event: SpanEvent): string {
  return `{"name":${JSON.stringify(event.name)},"time_unix_nano":${event.timeNs.toString()},"attributes":${JSON.stringify(event.attributes)}}`;
}

/**
 * One span in `traces.json` form. The JSON text is assembled by hand so nanosecond timestamps
 * are emitted as exact integers; `JSON.stringify` would need Numbers and lose precision.
 */
export function spanToJson(span: Span): string {
  const end = span.endNs ?? span.startNs;
  const parent =
    span.parentSpanIdHex === undefined ? 'null' : JSON.stringify(hexToBase64(span.parentSpanIdHex));
  return (
    `{"trace_id":${JSON.stringify(hexToBase64(span.traceIdHex))}` +
    `,"span_id":${JSON.stringify(hexToBase64(span.spanIdHex))}` +
    `,"trace_state":""` +
    `,"parent_span_id":${parent}` +
    `,"name":${JSON.stringify(span.name)}` +
    `,"start_time_unix_nano":${span.startNs.toString()}` +
    `,"end_time_unix_nano":${end.toString()}` +
    `,"attributes":${JSON.stringify(span.attributes)}` +
    `,"status":${JSON.stringify({ code: span.status.code, message: span.status.message })}` +
    `,"events":[${span.events.map(eventJson).join(',')}]}`
  );
}

export function tracesJson(spans: readonly Span[]): string {
  return `{"spans":[${spans.map(spanToJson).join(',')}]}`;
}

export type TraceState = 'OK' | 'ERROR' | 'IN_PROGRESS' | 'STATE_UNSPECIFIED';

export interface TraceInfo {
  trace_id: string;
  client_request_id?: string;
  trace_location: { type: 'MLFLOW_EXPERIMENT'; mlflow_experiment: { experiment_id: string } };
  request_time: string;
  execution_duration: string;
  state: TraceState;
  request_preview?: string;
  response_preview?: string;
  trace_metadata: Record<string, string>;
  tags: Record<string, string>;
}

/** A finished trace waiting for export. The experiment is filled in by the exporter. */
export interface FinishedTrace {
  traceIdHex: string;
  spans: Span[];
  rootSpan: Span;
  metadata: Record<string, string>;
  tags: Record<string, string>;
  requestPreview: string;
  responsePreview: string;
}

/** Protobuf `Duration` JSON form: seconds with up to 9 fractional digits and an `s` suffix. */
export function durationString(ns: bigint): string {
  const clamped = ns < 0n ? 0n : ns;
  const seconds = clamped / 1_000_000_000n;
  const frac = (clamped % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return frac ? `${seconds}.${frac}s` : `${seconds}s`;
}

/** Protobuf `Timestamp` JSON form (RFC 3339, UTC), with nanosecond precision kept. */
export function timestampString(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // ...sss Z
  const nanos = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${nanos}Z`;
}

export function buildTraceInfo(trace: FinishedTrace, experimentId: string): TraceInfo {
  const root = trace.rootSpan;
  const end = root.endNs ?? root.startNs;
  return {
    trace_id: mlflowTraceId(trace.traceIdHex),
    trace_location: {
      type: 'MLFLOW_EXPERIMENT',
      mlflow_experiment: { experiment_id: experimentId },
    },
    request_time: timestampString(root.startNs),
    execution_duration: durationString(end - root.startNs),
    state: root.status.code === 'STATUS_CODE_ERROR' ? 'ERROR' : 'OK',
    request_preview: trace.requestPreview,
    response_preview: trace.responsePreview,
    trace_metadata: { [TraceMetadataKey.SCHEMA_VERSION]: '3', ...trace.metadata },
    tags: { 'mlflow.traceName': root.name, ...trace.tags },
  };
}

export function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 3))}...`;
}
