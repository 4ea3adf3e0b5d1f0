/** Reads what the exporter logged back through MLflow's REST API (plain fetch: test-side only). */
export interface StoredSpan {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  start_time_unix_nano: number | string;
  end_time_unix_nano: number | string;
  attributes: Record<string, string>;
  status: { code: string; message: string };
  events: { name: string; attributes: Record<string, unknown> }[];
}

export interface StoredTrace {
  info: {
    trace_id: string;
    state: string;
    trace_metadata: Record<string, string>;
    tags: Record<string, string>;
    request_preview?: string;
    response_preview?: string;
    trace_location: { mlflow_experiment: { experiment_id: string } };
  };
  spansJsonText: string;
  spans: StoredSpan[];
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${res.status} ${url}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** An OTLP AnyValue as MLflow returns it (protobuf JSON, snake_case) decoded to plain JSON. */
function fromAnyValue(value: Record<string, unknown> | undefined): unknown {
  if (!value) return null;
  if ('string_value' in value) return value.string_value;
  if ('bool_value' in value) return value.bool_value;
  if ('int_value' in value) return Number(value.int_value);
  if ('double_value' in value) return value.double_value;
  if ('array_value' in value)
    return ((value.array_value as { values?: Record<string, unknown>[] }).values ?? []).map(
      fromAnyValue,
    );
  if ('kvlist_value' in value)
    return Object.fromEntries(
      (
        (value.kvlist_value as { values?: { key: string; value: Record<string, unknown> }[] })
          .values ?? []
      ).map((kv) => [kv.key, fromAnyValue(kv.value)]),
    );
  return null;
}

interface StoreSpan {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  start_time_unix_nano: number | string;
  end_time_unix_nano: number | string;
  attributes?: { key: string; value: Record<string, unknown> }[];
  status?: { code?: string; message?: string };
  events?: { name: string; attributes?: { key: string; value: Record<string, unknown> }[] }[];
}

/**
 * A trace as stored: spans from the tracking database when they arrived over OTLP
 * (`spansLocation=TRACKING_STORE`), else from the `traces.json` artifact. Store spans are turned
 * into the `traces.json` shape (attributes JSON-encoded) so assertions read both the same way.
 */
export async function readTrace(baseUrl: string, traceId: string): Promise<StoredTrace> {
  const { trace } = await getJson<{ trace: { trace_info: StoredTrace['info'] } }>(
    `${baseUrl}/api/3.0/mlflow/traces/${traceId}`,
  );
  if (trace.trace_info.tags['mlflow.trace.spansLocation'] === 'TRACKING_STORE') {
    const res = await fetch(
      `${baseUrl}/api/3.0/mlflow/traces/get?trace_id=${encodeURIComponent(traceId)}`,
    );
    const text = await res.text();
    if (!res.ok) throw new Error(`traces/get: ${res.status} ${text}`);
    const spans = (JSON.parse(text) as { trace: { spans: StoreSpan[] } }).trace.spans;
    return {
      info: trace.trace_info,
      spansJsonText: text,
      spans: spans.map((span) => ({
        trace_id: span.trace_id,
        span_id: span.span_id,
        parent_span_id: span.parent_span_id ?? null,
        name: span.name,
        start_time_unix_nano: span.start_time_unix_nano,
        end_time_unix_nano: span.end_time_unix_nano,
        attributes: Object.fromEntries(
          (span.attributes ?? []).map((kv) => [kv.key, JSON.stringify(fromAnyValue(kv.value))]),
        ),
        status: {
          code: span.status?.code ?? 'STATUS_CODE_UNSET',
          message: span.status?.message ?? '',
        },
        events: (span.events ?? []).map((event) => ({
          name: event.name,
          attributes: Object.fromEntries(
            (event.attributes ?? []).map((kv) => [kv.key, fromAnyValue(kv.value)]),
          ),
        })),
      })),
    };
  }
  const location = trace.trace_info.tags['mlflow.artifactLocation'] ?? '';
  const path = location.replace(/^mlflow-artifacts:/, '');
  const res = await fetch(`${baseUrl}/api/2.0/mlflow-artifacts/artifacts${path}/traces.json`);
  if (!res.ok) throw new Error(`traces.json: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return {
    info: trace.trace_info,
    spansJsonText: text,
    spans: (JSON.parse(text) as { spans: StoredSpan[] }).spans,
  };
}

/** The server's own view of the trace with spans (GET /api/3.0/mlflow/traces/get). */
export async function getTraceWithSpans(baseUrl: string, traceId: string): Promise<unknown> {
  return getJson(`${baseUrl}/api/3.0/mlflow/traces/get?trace_id=${encodeURIComponent(traceId)}`);
}

export const attr = <T = unknown>(span: StoredSpan, key: string): T | undefined => {
  const raw = span.attributes[key];
  return raw === undefined ? undefined : (JSON.parse(raw) as T);
};

export function byName(spans: StoredSpan[], name: string): StoredSpan {
  const span = spans.find((s) => s.name === name);
  if (!span) throw new Error(`no span named ${name}; have ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

/** name → parent name, for asserting the tree shape. */
export function treeOf(spans: StoredSpan[]): Record<string, string | null> {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const out: Record<string, string | null> = {};
  for (const s of spans)
    out[s.name] = s.parent_span_id ? (byId.get(s.parent_span_id)?.name ?? '?') : null;
  return out;
}

/** What the MLflow UI fetches for a trace's spans (falls back to the traces.json artifact). */
export async function getTraceArtifactViaUiEndpoint(
  baseUrl: string,
  traceId: string,
): Promise<string> {
  const res = await fetch(
    `${baseUrl}/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${encodeURIComponent(traceId)}`,
  );
  if (!res.ok) throw new Error(`get-trace-artifact: ${res.status} ${await res.text()}`);
  return res.text();
}

export interface PythonSpanView {
  name: string;
  span_type: string;
  parent: string | null;
  status: string;
  inputs: unknown;
  outputs: unknown;
  token_usage: unknown;
}

/**
 * Parses the stored trace with MLflow's own Python client (`mlflow.get_trace`), the strictest
 * check that our spans are valid MLflow spans: it runs `Span.from_dict` on every one.
 */
export async function readWithPython(
  baseUrl: string,
  traceId: string,
): Promise<{ spans: PythonSpanView[]; token_usage: unknown; state: string }> {
  const { execFile } = await import('node:child_process');
  const { join } = await import('node:path');
  const python = join(import.meta.dirname, '..', '..', '.venv', 'bin', 'python');
  const script = `
import json, sys, mlflow
mlflow.set_tracking_uri(sys.argv[1])
t = mlflow.get_trace(sys.argv[2])
by_id = {s.span_id: s for s in t.data.spans}
print(json.dumps({
  "state": str(t.info.state),
  "token_usage": t.info.token_usage,
  "spans": [{
    "name": s.name, "span_type": s.span_type,
    "parent": by_id[s.parent_id].name if s.parent_id in by_id else None,
    "status": str(s.status.status_code), "inputs": s.inputs, "outputs": s.outputs,
    "token_usage": s.get_attribute("mlflow.chat.tokenUsage"),
  } for s in t.data.spans]}, default=str))
`;
  return new Promise((resolve, reject) => {
    execFile(
      python,
      ['-c', script, baseUrl, traceId],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));
      },
    );
  });
}
