/**
 * `MlflowCallbackHandler`: classic MLflow run tracking for LangChain.js, the counterpart of
 * Python's `langchain_community` handler: one run per session, params (model settings), metrics
 * per step (call counts, token counts, latencies), a JSON record per call, an HTML and a CSV
 * session table, tags, and status + end time on `endRun()`.
 *
 * Callbacks only update in-memory buffers; the REST traffic happens in `flush()`, which runs on a
 * timer, on `endRun()` and before a normal process exit. Unlike the Python handler, metric steps
 * are really sent, and the run is really closed.
 */

import {
  computeBackoffMs,
  isSensitiveKey,
  REDACTED,
  redactForInspection,
  redactSecrets,
} from '@lakechain/core';
import type { AgentAction, AgentFinish } from '@langchain/core/agents';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { DocumentInterface } from '@langchain/core/documents';
import type { Serialized } from '@langchain/core/load/serializable';
import type { BaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import type { ChainValues } from '@langchain/core/utils/types';
import { toChatMessage, tokenUsageOf } from './chat.js';
import type { ConnectionOptions } from './connection.js';
import { flushOnExit } from './exit_hook.js';
import type { KeyValue, Metric } from './limits.js';
import { MlflowClient, type RunInfo, type RunStatus } from './mlflow_client.js';
import { safeJson } from './spans.js';
import { runName as displayNameOf } from './tracer.js';
import { defaultEnv } from './tracking_uri.js';

export interface MlflowCallbackHandlerOptions extends ConnectionOptions {
  /** Run name; a trailing `%` is replaced by 7 random characters. Default `langchainrun-%`. */
  runName?: string;
  /** Log into this existing run instead of creating one. */
  runId?: string;
  /** Tags set on the run. */
  tags?: Record<string, string>;
  /** Folder inside the run's artifacts for records and tables. Default: the root. */
  artifactsDir?: string;
  /** Use this client instead of building one from the options. */
  client?: MlflowClient;
  /**
   * How long after something is buffered it is sent, in ms. Default 2000; 0 disables the timer
   * (data is then sent on `flush()`, `endRun()`, `close()` and before a normal process exit).
   */
  flushIntervalMs?: number;
  /** Where the one warning goes. Default `console.warn`. */
  warn?: (message: string) => void;
}

/** Counter names, as in Python's handler (`mlflow_callback_metrics()`). */
const COUNTERS = [
  'step',
  'starts',
  'ends',
  'errors',
  'text_ctr',
  'chain_starts',
  'chain_ends',
  'llm_starts',
  'llm_ends',
  'llm_streams',
  'tool_starts',
  'tool_ends',
  'agent_ends',
  'retriever_starts',
  'retriever_ends',
] as const;
type Counter = (typeof COUNTERS)[number];

export interface CallRecord {
  step: number;
  action: string;
  name?: string;
  run_id: string;
  parent_run_id?: string;
  timestamp: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  latency_ms?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  [key: string]: unknown;
}

type Obj = Record<string, unknown>;

/** The longest extra wait between timed sends while the server keeps failing. */
const MAX_FLUSH_BACKOFF_MS = 60_000;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function randomSuffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < 7; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : safeJson(value);
}

const TABLE_COLUMNS = [
  'step',
  'action',
  'name',
  'input',
  'output',
  'error',
  'latency_ms',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
] as const;

/**
 * Logs LangChain activity as an MLflow run.
 *
 * @example
 * ```ts
 * const handler = new MlflowCallbackHandler({ trackingUri: 'http://127.0.0.1:5000', experimentName: 'langchain' });
 * await chain.invoke(input, { callbacks: [handler] });
 * await handler.endRun(); // flushes metrics/params/artifacts and marks the run FINISHED
 * ```
 */
export class MlflowCallbackHandler extends BaseCallbackHandler {
  /**
   * What `console.log` / `util.inspect` show: this object with credential-bearing fields masked
   * (LangChain keeps constructor arguments, tokens included, in plain fields).
   */
  [Symbol.for('nodejs.util.inspect.custom')](): unknown {
    return redactForInspection(this);
  }

  name = 'lakechain_mlflow_callback_handler';
  override awaitHandlers = true;

  private readonly options: MlflowCallbackHandlerOptions;
  private clientInstance: MlflowClient | undefined;
  private runPromise: Promise<RunInfo> | undefined;
  private readonly counters: Record<Counter, number> = Object.fromEntries(
    COUNTERS.map((c) => [c, 0]),
  ) as Record<Counter, number>;
  private readonly records: CallRecord[] = [];
  private pendingRecords: CallRecord[] = [];
  private pendingMetrics: Metric[] = [];
  private pendingParams: KeyValue[] = [];
  private readonly loggedParams = new Set<string>();
  private readonly starts = new Map<string, { time: number; name: string; kind: string }>();
  private flushing: Promise<void> | undefined;
  private tablesDirty = false;
  /** Set only while something is buffered and unsent (see `scheduleFlush`). */
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly flushIntervalMs: number;
  /** Sends that failed in a row (after core's own retries): the next timed one backs off. */
  private failedFlushes = 0;
  private warned = false;
  private ended = false;
  private closing: Promise<void> | undefined;
  private readonly unregister: () => void;
  /** A client passed in stays open on close(); one made here is closed with the handler. */
  private readonly ownsClient: boolean;
  readonly runName: string;

  constructor(options: MlflowCallbackHandlerOptions = {}) {
    super();
    this.options = options;
    this.clientInstance = options.client;
    this.ownsClient = options.client === undefined;
    const base = options.runName ?? 'langchainrun-%';
    this.runName = base.endsWith('%') ? `${base.slice(0, -1)}${randomSuffix()}` : base;
    this.unregister = flushOnExit(this);
    this.flushIntervalMs = options.flushIntervalMs ?? 2000;
  }

  /**
   * Sends the buffer `flushIntervalMs` after something was added to it, and again after a failed
   * send. No periodic timer: a handler with nothing to send holds no timer, so an application
   * that drops its handler (one per request) does not keep it alive; one with unsent data stays
   * alive through this timer until the data is sent.
   */
  private scheduleFlush(): void {
    if (this.timer !== undefined || this.flushIntervalMs <= 0 || this.ended || this.closing) return;
    // After failed sends, core's jittered backoff on top of the interval, so a handler whose
    // server is down (its data kept for later) does not call it every interval for ever.
    const delay =
      this.failedFlushes === 0
        ? this.flushIntervalMs
        : this.flushIntervalMs +
          computeBackoffMs(this.failedFlushes - 1, {
            initialDelayMs: this.flushIntervalMs,
            maxDelayMs: MAX_FLUSH_BACKOFF_MS,
          });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then(() => {
        if (this.hasPendingWork()) this.scheduleFlush();
      });
    }, delay);
    // Never keep an otherwise finished process alive for it: the beforeExit hook flushes instead.
    this.timer.unref?.();
  }

  private client(): MlflowClient {
    this.clientInstance ??= new MlflowClient(this.options);
    return this.clientInstance;
  }

  /** The MLflow run, created on first use (experiment by name, created if missing). */
  run(): Promise<RunInfo> {
    if (!this.runPromise) {
      const promise = this.createRun();
      this.runPromise = promise;
      promise.catch(() => {
        if (this.runPromise === promise) this.runPromise = undefined;
      });
    }
    return this.runPromise;
  }

  private async createRun(): Promise<RunInfo> {
    const client = this.client();
    if (this.options.runId) return (await client.getRun(this.options.runId)).info;
    const env = this.options.env ?? defaultEnv();
    const experimentId =
      this.options.experimentId ??
      env.MLFLOW_EXPERIMENT_ID ??
      (await client.getOrCreateExperiment(
        this.options.experimentName ?? env.MLFLOW_EXPERIMENT_NAME ?? 'langchain',
      ));
    return client.createRun({
      experimentId,
      runName: this.runName,
      tags: {
        'mlflow.source.name': '@lakechain/mlflow-tracking',
        'mlflow.source.type': 'LOCAL',
        ...this.options.tags,
      },
    });
  }

  hasPendingWork(): boolean {
    return (
      this.pendingMetrics.length > 0 ||
      this.pendingParams.length > 0 ||
      this.pendingRecords.length > 0 ||
      this.tablesDirty ||
      this.flushing !== undefined
    );
  }

  /** The records of this session so far (what the tables and JSON artifacts contain). */
  get sessionRecords(): readonly CallRecord[] {
    return this.records;
  }

  get metrics(): Readonly<Record<Counter, number>> {
    return this.counters;
  }

  // --- bookkeeping ------------------------------------------------------------------------

  private bump(...names: Counter[]): number {
    this.counters.step++;
    const step = this.counters.step;
    const timestamp = Date.now();
    for (const name of ['step', ...names] as Counter[]) {
      if (name !== 'step') this.counters[name]++;
      this.pendingMetrics.push({ key: name, value: this.counters[name], timestamp, step });
    }
    this.scheduleFlush();
    return step;
  }

  private metric(key: string, value: number, step: number): void {
    this.pendingMetrics.push({ key, value, timestamp: Date.now(), step });
    this.scheduleFlush();
  }

  private record(
    step: number,
    action: string,
    runId: string,
    parentRunId: string | undefined,
    data: Obj,
  ): void {
    const rec: CallRecord = {
      step,
      action,
      run_id: runId,
      ...(parentRunId ? { parent_run_id: parentRunId } : {}),
      timestamp: new Date().toISOString(),
      ...data,
    };
    // Serialise now (safeJson masks credential keys) so later mutation of inputs cannot change it.
    const frozen = JSON.parse(safeJson(rec)) as CallRecord;
    this.records.push(frozen);
    this.pendingRecords.push(frozen);
    this.tablesDirty = true;
    this.scheduleFlush();
  }

  private startCall(runId: string, name: string, kind: string): void {
    this.starts.set(runId, { time: performance.now(), name, kind });
  }

  private endCall(runId: string, step: number): { name?: string; latency_ms?: number } {
    const start = this.starts.get(runId);
    if (!start) return {};
    this.starts.delete(runId);
    const latency = Math.round((performance.now() - start.time) * 1000) / 1000;
    this.metric(`${start.kind}_latency_ms`, latency, step);
    return { name: start.name, latency_ms: latency };
  }

  private params(prefix: string, values: Obj | undefined): void {
    if (!values) return;
    for (const [key, value] of Object.entries(values)) {
      // Model settings only: scalars. Tool schemas and messages do not belong in params.
      if (
        value === undefined ||
        value === null ||
        typeof value === 'object' ||
        typeof value === 'function'
      )
        continue;
      const full = `${prefix}.${key}`;
      // MLflow params are immutable; the first value of a session is kept.
      if (this.loggedParams.has(full)) continue;
      this.loggedParams.add(full);
      this.pendingParams.push({ key: full, value: isSensitiveKey(key) ? REDACTED : String(value) });
      this.scheduleFlush();
    }
  }

  // --- callbacks --------------------------------------------------------------------------

  override handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    const name = displayNameOf(runName, llm, 'llm');
    const step = this.bump('llm_starts', 'starts');
    this.startCall(runId, name, 'llm');
    this.params(
      name,
      isObj(extraParams?.invocation_params) ? extraParams.invocation_params : undefined,
    );
    this.record(step, 'on_llm_start', runId, parentRunId, {
      name,
      input: prompts.length === 1 ? prompts[0] : prompts,
    });
  }

  override handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    const name = displayNameOf(runName, llm, 'chat model');
    const step = this.bump('llm_starts', 'starts');
    this.startCall(runId, name, 'llm');
    this.params(
      name,
      isObj(extraParams?.invocation_params) ? extraParams.invocation_params : undefined,
    );
    const converted = messages.map((list) => list.map(toChatMessage));
    this.record(step, 'on_chat_model_start', runId, parentRunId, {
      name,
      input: converted.length === 1 ? converted[0] : converted,
    });
  }

  override handleLLMNewToken(
    token: string,
    _idx: unknown,
    runId: string,
    parentRunId?: string,
  ): void {
    // Counted, not recorded per token: Python writes one artifact per token, which floods the run.
    void token;
    void parentRunId;
    void runId;
    this.counters.llm_streams++;
  }

  override handleLLMEnd(output: LLMResult, runId: string, parentRunId?: string): void {
    const step = this.bump('llm_ends', 'ends');
    const call = this.endCall(runId, step);
    const usage = tokenUsageOf(output);
    if (usage) {
      this.metric('prompt_tokens', usage.input_tokens, step);
      this.metric('completion_tokens', usage.output_tokens, step);
      this.metric('total_tokens', usage.total_tokens, step);
    }
    if (this.counters.llm_streams > 0) this.metric('llm_streams', this.counters.llm_streams, step);
    const texts = output.generations.flat().map((g) => g.text);
    this.record(step, 'on_llm_end', runId, parentRunId, {
      ...call,
      output: texts.length === 1 ? texts[0] : texts,
      ...(usage
        ? {
            prompt_tokens: usage.input_tokens,
            completion_tokens: usage.output_tokens,
            total_tokens: usage.total_tokens,
          }
        : {}),
    });
  }

  private error(
    err: unknown,
    runId: string,
    parentRunId: string | undefined,
    action: string,
  ): void {
    const step = this.bump('errors');
    const call = this.endCall(runId, step);
    this.record(step, action, runId, parentRunId, {
      ...call,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
  }

  override handleLLMError(err: unknown, runId: string, parentRunId?: string): void {
    this.error(err, runId, parentRunId, 'on_llm_error');
  }

  // Real CallbackManager argument order (see MlflowTracer.handleChainStart).
  override handleChainStart(
    chain: Serialized,
    inputs: ChainValues,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    _runType?: string,
    runName?: string,
  ): void {
    const name = displayNameOf(runName, chain, 'chain');
    const step = this.bump('chain_starts', 'starts');
    this.startCall(runId, name, 'chain');
    this.record(step, 'on_chain_start', runId, parentRunId, { name, input: inputs });
  }

  override handleChainEnd(outputs: ChainValues, runId: string, parentRunId?: string): void {
    const step = this.bump('chain_ends', 'ends');
    this.record(step, 'on_chain_end', runId, parentRunId, {
      ...this.endCall(runId, step),
      output: outputs,
    });
  }

  override handleChainError(err: unknown, runId: string, parentRunId?: string): void {
    this.error(err, runId, parentRunId, 'on_chain_error');
  }

  override handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    const name = displayNameOf(runName, tool, 'tool');
    const step = this.bump('tool_starts', 'starts');
    this.startCall(runId, name, 'tool');
    this.record(step, 'on_tool_start', runId, parentRunId, { name, input });
  }

  override handleToolEnd(output: unknown, runId: string, parentRunId?: string): void {
    const step = this.bump('tool_ends', 'ends');
    this.record(step, 'on_tool_end', runId, parentRunId, { ...this.endCall(runId, step), output });
  }

  override handleToolError(err: unknown, runId: string, parentRunId?: string): void {
    this.error(err, runId, parentRunId, 'on_tool_error');
  }

  override handleRetrieverStart(
    retriever: Serialized,
    query: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    const name = displayNameOf(runName, retriever, 'retriever');
    const step = this.bump('retriever_starts', 'starts');
    this.startCall(runId, name, 'retriever');
    this.record(step, 'on_retriever_start', runId, parentRunId, { name, input: query });
  }

  override handleRetrieverEnd(
    documents: DocumentInterface[],
    runId: string,
    parentRunId?: string,
  ): void {
    const step = this.bump('retriever_ends', 'ends');
    this.record(step, 'on_retriever_end', runId, parentRunId, {
      ...this.endCall(runId, step),
      output: documents.map((d) => ({ page_content: d.pageContent, metadata: d.metadata })),
    });
  }

  override handleRetrieverError(err: unknown, runId: string, parentRunId?: string): void {
    this.error(err, runId, parentRunId, 'on_retriever_error');
  }

  override handleText(text: string, runId: string, parentRunId?: string): void {
    const step = this.bump('text_ctr');
    this.record(step, 'on_text', runId, parentRunId, { output: text });
  }

  override handleAgentAction(action: AgentAction, runId: string, parentRunId?: string): void {
    const step = this.bump('tool_starts', 'starts');
    this.record(step, 'on_agent_action', runId, parentRunId, {
      name: action.tool,
      input: action.toolInput,
      log: action.log,
    });
  }

  override handleAgentEnd(action: AgentFinish, runId: string, parentRunId?: string): void {
    const step = this.bump('agent_ends', 'ends');
    this.record(step, 'on_agent_finish', runId, parentRunId, {
      output: action.returnValues,
      log: action.log,
    });
  }

  // --- export -----------------------------------------------------------------------------

  private artifactPath(name: string): string {
    const dir = (this.options.artifactsDir ?? '').replace(/^\/+|\/+$/g, '');
    return dir ? `${dir}/${name}` : name;
  }

  private tables(): { html: string; csv: string } {
    const rows = this.records.map((r) => TABLE_COLUMNS.map((c) => cellText(r[c])));
    const csv = [TABLE_COLUMNS.join(','), ...rows.map((row) => row.map(csvCell).join(','))].join(
      '\n',
    );
    const head = TABLE_COLUMNS.map((c) => `<th>${c}</th>`).join('');
    const body = rows
      .map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
      .join('\n');
    const html =
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(this.runName)}</title>` +
      '<style>table{border-collapse:collapse;font:13px sans-serif}td,th{border:1px solid #ccc;padding:4px;vertical-align:top;white-space:pre-wrap}</style>' +
      `</head><body><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></body></html>\n`;
    return { html, csv: `${csv}\n` };
  }

  /** Sends everything buffered so far. Never rejects: failures produce one warning. */
  flush(): Promise<void> {
    if (this.flushing)
      return this.flushing.then(() => (this.hasPendingWork() ? this.flush() : undefined));
    const run = this.doFlush()
      .then(
        () => {
          this.failedFlushes = 0;
        },
        (error: unknown) => {
          this.failedFlushes += 1;
          this.warnOnce(error);
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    this.flushing = run;
    return run;
  }

  private async doFlush(): Promise<void> {
    if (
      !this.pendingMetrics.length &&
      !this.pendingParams.length &&
      !this.pendingRecords.length &&
      !this.tablesDirty
    ) {
      return;
    }
    const run = await this.run();
    const client = this.client();
    const secrets = client.connection.secrets();
    const metrics = this.pendingMetrics;
    const params = this.pendingParams;
    const records = this.pendingRecords;
    this.pendingMetrics = [];
    this.pendingParams = [];
    this.pendingRecords = [];
    this.tablesDirty = false;
    try {
      await client.logBatch(run.run_id, { metrics, params });
      for (const rec of records) {
        const file = this.artifactPath(
          `records/${String(rec.step).padStart(6, '0')}_${rec.action}.json`,
        );
        await client.uploadArtifact(
          run.artifact_uri,
          file,
          redactSecrets(JSON.stringify(rec, null, 2), secrets),
        );
      }
      const { html, csv } = this.tables();
      await client.uploadArtifact(
        run.artifact_uri,
        this.artifactPath('session_table.html'),
        redactSecrets(html, secrets),
      );
      await client.uploadArtifact(
        run.artifact_uri,
        this.artifactPath('session_table.csv'),
        redactSecrets(csv, secrets),
      );
    } catch (error) {
      // Keep what was not sent for the next attempt (metrics are idempotent per key/step/time).
      this.pendingMetrics = [...metrics, ...this.pendingMetrics];
      this.pendingParams = [...params, ...this.pendingParams];
      this.pendingRecords = [...records, ...this.pendingRecords];
      this.tablesDirty = true;
      throw error;
    }
  }

  /** Flushes, then sets the run's status and end time. Further callbacks are still buffered. */
  async endRun(status: RunStatus = 'FINISHED'): Promise<void> {
    await this.flush();
    if (this.ended) return;
    try {
      const run = await this.run();
      await this.client().updateRun(run.run_id, status, Date.now());
      this.ended = true;
    } catch (error) {
      this.warnOnce(error);
    }
    if (this.ended) this.stopTimer();
    this.unregister();
  }

  /**
   * Sends everything buffered, ends the run this handler created (status FINISHED, unless
   * `endRun()` already ended it; a run passed as `runId` belongs to its creator and is left
   * running), then releases the client this handler made (its connection pools with `caCert`)
   * and the exit hook. Idempotent; `await using` calls it.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopTimer();
      await this.flush();
      if (!this.options.runId && this.runPromise && !this.ended) await this.endRun();
      this.unregister();
      if (this.ownsClient) await this.clientInstance?.close();
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private warnOnce(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    let secrets: readonly string[] = [];
    try {
      secrets = this.client().connection.secrets();
    } catch {
      // no connection, nothing to scrub
    }
    const message = redactSecrets(
      error instanceof Error ? error.message : String(error),
      secrets,
    ).replace(/\.+$/, '');
    const warn = this.options.warn ?? ((m: string) => console.warn(m));
    warn(
      `[@lakechain/mlflow-tracking] MlflowCallbackHandler could not log to MLflow: ${message}. ` +
        'Your application is not affected; data is kept for the next flush. This warning is shown once.',
    );
  }
}
