/**
 * Where the demo's traces go:
 * - workspace mode: Databricks-managed MLflow (`trackingUri: 'databricks'`);
 * - `MLFLOW_TRACKING_URI` set (or `--mlflow-local`): that MLflow server;
 * - otherwise (offline): `onTraceEnd` prints each trace as a tree and writes it to a JSON file
 *   (the `traces.json` form MLflow stores); with the local workspace running, the same tracer
 *   also exports it to that workspace's MLflow exactly as in workspace mode (Databricks
 *   protocol, experiment under the user's folder), so the offline run takes the real path. Without
 *   one, a local-only exporter drops it: nothing in that mode may try to reach a server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DatabricksConfig } from '@lakechain/core';
import {
  type FinishedTrace,
  MlflowTracer,
  type Span,
  SpanAttributeKey,
  TraceExporter,
  TraceMetadataKey,
  tracesJson,
} from '@lakechain/mlflow-tracking';
import pc from 'picocolors';

/** An exporter that never exports: nothing in local mode may try to reach a server. */
class LocalOnlyExporter extends TraceExporter {
  constructor() {
    super({ flushOnExit: false });
  }
  override enqueue(): void {
    // Intentionally empty: the trace is printed and written to a file by `onTraceEnd`.
  }
}

export type TraceTarget =
  | { kind: 'databricks'; experimentName: string }
  | { kind: 'server'; trackingUri: string; experimentName: string }
  | {
      kind: 'file';
      directory: string;
      /** The offline demo's local workspace: its MLflow receives the traces too. */
      localWorkspace?: { config: DatabricksConfig; experimentName: string };
    };

export interface DemoTracing {
  target: TraceTarget;
  tracer: MlflowTracer;
  /** Traces finished so far, newest last, with the file each was written to (file mode). */
  traces: Array<{ trace: FinishedTrace; file?: string }>;
  /** Human-readable "where do traces go". */
  describe(): string;
  flush(): Promise<void>;
}

export interface TracingOptions {
  target: TraceTarget;
  /** Environment the MLflow connection reads (Databricks host and credentials). */
  env?: Record<string, string | undefined>;
  /** Called with each finished trace (the CLI prints the tree there). */
  onTrace?: (trace: FinishedTrace, file: string | undefined) => void;
}

export function createTracing(options: TracingOptions): DemoTracing {
  const { target } = options;
  const traces: DemoTracing['traces'] = [];
  const onTraceEnd = (trace: FinishedTrace) => {
    let file: string | undefined;
    if (target.kind === 'file') {
      mkdirSync(target.directory, { recursive: true });
      file = join(target.directory, `trace-${trace.traceIdHex}.json`);
      writeFileSync(file, `${JSON.stringify(traceToJson(trace), null, 2)}\n`);
    }
    traces.push({ trace, file });
    options.onTrace?.(trace, file);
  };
  const local = target.kind === 'file' ? target.localWorkspace : undefined;
  const tracer =
    target.kind === 'file'
      ? local
        ? new MlflowTracer({
            trackingUri: 'databricks',
            databricksConfig: local.config,
            experimentName: local.experimentName,
            tags: { app: 'lakechain-demo' },
            env: {},
            onTraceEnd,
          })
        : new MlflowTracer({ exporter: new LocalOnlyExporter(), onTraceEnd })
      : new MlflowTracer({
          trackingUri: target.kind === 'databricks' ? 'databricks' : target.trackingUri,
          experimentName: target.experimentName,
          tags: { app: 'lakechain-demo' },
          ...(options.env ? { env: options.env } : {}),
          onTraceEnd,
        });
  return {
    target,
    tracer,
    traces,
    describe() {
      switch (target.kind) {
        case 'databricks':
          return `Databricks MLflow, experiment ${target.experimentName}`;
        case 'server':
          return `MLflow at ${target.trackingUri}, experiment ${target.experimentName}`;
        default:
          return local
            ? `files in ${target.directory} and the local workspace's MLflow (experiment ${local.experimentName})`
            : `files in ${target.directory}`;
      }
    },
    async flush() {
      if (target.kind !== 'file' || local) await tracer.flush();
    },
  };
}

/** Default directory of trace files: `./traces` under the current directory. */
export function defaultTraceDirectory(): string {
  return resolve(process.env.LAKECHAIN_DEMO_TRACE_DIR ?? 'traces');
}

function parseAttribute(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The trace as JSON: MLflow's `traces.json` spans plus the trace's id, metadata and tags. */
export function traceToJson(trace: FinishedTrace): Record<string, unknown> {
  const spans = (JSON.parse(tracesJson(trace.spans)) as { spans: unknown[] }).spans;
  return {
    trace_id: `tr-${trace.traceIdHex}`,
    request_preview: trace.requestPreview,
    response_preview: trace.responsePreview,
    metadata: trace.metadata,
    tags: trace.tags,
    spans,
  };
}

export interface SpanSummary {
  name: string;
  type: string;
  durationMs: number;
  tokens?: { input: number; output: number; total: number };
  error?: string;
  children: SpanSummary[];
}

/** The span tree of a trace (root first), with types, durations and token usage. */
export function spanTree(trace: FinishedTrace): SpanSummary {
  const byParent = new Map<string | undefined, Span[]>();
  for (const span of trace.spans) {
    const siblings = byParent.get(span.parentSpanIdHex) ?? [];
    siblings.push(span);
    byParent.set(span.parentSpanIdHex, siblings);
  }
  const build = (span: Span): SpanSummary => {
    const usage = parseAttribute(span.attributes[SpanAttributeKey.TOKEN_USAGE]) as
      | { input_tokens?: number; output_tokens?: number; total_tokens?: number }
      | undefined;
    const children = (byParent.get(span.spanIdHex) ?? [])
      .slice()
      .sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
    return {
      name: span.name,
      type: String(parseAttribute(span.attributes[SpanAttributeKey.SPAN_TYPE]) ?? 'UNKNOWN'),
      durationMs: span.endNs === undefined ? 0 : Number(span.endNs - span.startNs) / 1e6,
      tokens:
        usage && typeof usage === 'object'
          ? {
              input: usage.input_tokens ?? 0,
              output: usage.output_tokens ?? 0,
              total: usage.total_tokens ?? 0,
            }
          : undefined,
      error: span.status.code === 'STATUS_CODE_ERROR' ? span.status.message || 'error' : undefined,
      children: children.map(build),
    };
  };
  return build(trace.rootSpan);
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/** The trace as an indented tree, one span a line. */
export function renderTraceTree(trace: FinishedTrace): string {
  const lines: string[] = [];
  const total = parseAttribute(trace.metadata[TraceMetadataKey.TOKEN_USAGE]) as
    | { total_tokens?: number; input_tokens?: number; output_tokens?: number }
    | undefined;
  lines.push(
    `${pc.bold('trace')} tr-${trace.traceIdHex}${
      total?.total_tokens
        ? pc.dim(`  ${total.input_tokens} in + ${total.output_tokens} out tokens`)
        : ''
    }`,
  );
  const walk = (node: SpanSummary, prefix: string, last: boolean, root: boolean) => {
    const branch = root ? '' : last ? '└─ ' : '├─ ';
    const tokens = node.tokens ? pc.dim(`  ${node.tokens.input}+${node.tokens.output} tok`) : '';
    const error = node.error ? pc.red(`  ✗ ${node.error.split('\n')[0]?.slice(0, 80)}`) : '';
    lines.push(
      `${prefix}${branch}${node.name} ${pc.cyan(node.type)} ${pc.yellow(formatMs(node.durationMs))}${tokens}${error}`,
    );
    const childPrefix = root ? '' : prefix + (last ? '   ' : '│  ');
    node.children.forEach((child, index) => {
      walk(child, childPrefix, index === node.children.length - 1, false);
    });
  };
  walk(spanTree(trace), '', true, true);
  return lines.join('\n');
}
