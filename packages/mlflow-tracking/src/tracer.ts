/**
 * `MlflowTracer`: a LangChain.js callback handler that records every run as an MLflow 3 span,
 * with the span types, attributes and events Python's `mlflow.langchain.autolog()` produces.
 *
 * Everything here is synchronous bookkeeping on the caller's critical path; network work is
 * handed to the exporter when a root run ends.
 */

import { redactForInspection } from '@lakechain/core';
import type { AgentAction, AgentFinish } from '@langchain/core/agents';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { DocumentInterface } from '@langchain/core/documents';
import type { Serialized } from '@langchain/core/load/serializable';
import type { BaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import type { ChainValues } from '@langchain/core/utils/types';
import {
  addUsage,
  type ChatMessage,
  lastMessageText,
  llmResultOutputs,
  toChatMessage,
  tokenUsageOf,
  toolsOf,
} from './chat.js';
import { TraceExporter, type TraceExporterOptions } from './exporter.js';
import {
  type FinishedTrace,
  mlflowTraceId,
  newSpanIdHex,
  newTraceIdHex,
  nowNs,
  type Span,
  SpanAttributeKey,
  type SpanType,
  safeJson,
  setAttribute,
  type TokenUsage,
  TraceMetadataKey,
  truncateText,
} from './spans.js';

export interface MlflowTracerOptions extends TraceExporterOptions {
  /** Tags added to every trace (string values). */
  tags?: Record<string, string>;
  /** Link traces to this MLflow run (`mlflow.sourceRun`). */
  runId?: string;
  /**
   * Use this exporter (shared between tracers) instead of creating one. A tracer per request
   * should share one: the tracer's `close()` then only flushes it, and its owner closes it.
   */
  exporter?: TraceExporter;
  /** Called with each finished trace before export (tests, custom sinks). */
  onTraceEnd?: (trace: FinishedTrace) => void;
  /**
   * A trace whose root run never reports its end (an abandoned stream, a crashed worker) is
   * exported as is after this long, so it neither leaks memory nor disappears. Default 1 hour.
   */
  staleTraceMs?: number;
}

interface TraceState {
  traceIdHex: string;
  root: Span;
  spans: Span[];
  open: Set<string>;
  tokenUsage: TokenUsage | undefined;
  metadata: Record<string, string>;
}

interface LiveRun {
  span: Span;
  trace: TraceState;
  /** The run that owns this span's `new_token` events share one counter for cheap event names. */
  chatInputs?: ChatMessage[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const PREVIEW_CHARS = 1000;
const METADATA_CHARS = 250;

/** A run's display name: its own, else the serialized name or class id, else `fallback`. */
export function runName(
  explicit: string | undefined,
  serialized: Serialized | undefined,
  fallback: string,
): string {
  if (explicit) return explicit;
  const s = serialized as { name?: unknown; id?: unknown } | undefined;
  if (typeof s?.name === 'string' && s.name) return s.name;
  if (Array.isArray(s?.id) && s.id.length > 0) {
    const last = s.id[s.id.length - 1];
    if (typeof last === 'string' && last) return last;
  }
  return fallback;
}

function errorEvent(error: unknown): Record<string, string> {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    'exception.message': err.message,
    'exception.type': err.name || err.constructor?.name || 'Error',
    'exception.stacktrace': err.stack ?? `${err.name}: ${err.message}`,
  };
}

function chainSpanType(runType: string | undefined, name: string): SpanType {
  if (runType === 'parser') return 'PARSER';
  if (runType === 'retriever') return 'RETRIEVER';
  if (runType === 'tool') return 'TOOL';
  if (runType === 'llm') return 'LLM';
  if (runType === 'embedding') return 'EMBEDDING';
  // LangChain has no agent run type; its agent runnables are recognisable by name.
  if (/agent/i.test(name)) return 'AGENT';
  return 'CHAIN';
}

/**
 * Records LangChain runs as MLflow 3 traces. Pass it in `callbacks`, or call `autolog()` once.
 *
 * @example
 * ```ts
 * const tracer = new MlflowTracer({ trackingUri: 'http://127.0.0.1:5000', experimentName: 'my-app' });
 * await chain.invoke({ topic: 'otters' }, { callbacks: [tracer] });
 * await tracer.flush();
 * ```
 */
export class MlflowTracer extends BaseCallbackHandler {
  /**
   * What `console.log` / `util.inspect` show: this object with credential-bearing fields masked
   * (LangChain keeps constructor arguments, tokens included, in plain fields).
   */
  [Symbol.for('nodejs.util.inspect.custom')](): unknown {
    return redactForInspection(this);
  }

  name = 'lakechain_mlflow_tracer';
  // The handlers only do in-memory work, so awaiting them is cheap and guarantees a trace is
  // complete (and queued for export) by the time the user's `invoke()` resolves.
  override awaitHandlers = true;

  readonly exporter: TraceExporter;
  private readonly runs = new Map<string, LiveRun>();
  private readonly traceTags: Record<string, string>;
  private readonly sourceRunId: string | undefined;
  private readonly onTraceEnd: ((trace: FinishedTrace) => void) | undefined;
  private lastTraceIdHex: string | undefined;
  private readonly openTraces = new Map<TraceState, number>();
  private readonly staleTraceMs: number;
  private startsSinceSweep = 0;
  /** Whether `exporter` was made here (closed with the tracer) rather than passed in (shared). */
  private readonly ownsExporter: boolean;

  constructor(options: MlflowTracerOptions = {}) {
    super();
    this.ownsExporter = options.exporter === undefined;
    this.exporter = options.exporter ?? new TraceExporter(options);
    this.traceTags = { ...options.tags };
    this.sourceRunId = options.runId;
    this.onTraceEnd = options.onTraceEnd;
    this.staleTraceMs = options.staleTraceMs ?? 3_600_000;
  }

  /** Closes and exports traces whose root has been open longer than `staleTraceMs`. */
  sweepStaleTraces(now: number = Date.now()): number {
    let swept = 0;
    for (const [trace, startedAt] of this.openTraces) {
      if (now - startedAt < this.staleTraceMs) continue;
      trace.root.endNs = nowNs();
      this.finishTrace(trace);
      swept++;
    }
    return swept;
  }

  /** The MLflow id (`tr-...`) of the most recently started trace. */
  get lastTraceId(): string | undefined {
    return this.lastTraceIdHex && mlflowTraceId(this.lastTraceIdHex);
  }

  /** Waits until every finished trace has been exported (or given up on). */
  flush(): Promise<void> {
    return this.exporter.flush();
  }

  /**
   * Hands every trace still open to the exporter as it is (root end = now, so nothing recorded
   * is lost), then closes the exporter this tracer made: queued traces are exported and its
   * connection pools released. A shared exporter (the `exporter` option) is only flushed, as
   * other tracers may still use it. Idempotent; `await using` calls it.
   */
  async close(): Promise<void> {
    for (const trace of [...this.openTraces.keys()]) {
      trace.root.endNs = nowNs();
      this.finishTrace(trace);
    }
    if (this.ownsExporter) await this.exporter.close();
    else await this.exporter.flush();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The same as `close()`. */
  shutdown(): Promise<void> {
    return this.close();
  }

  // --- span lifecycle ---------------------------------------------------------------------

  private startSpan(
    runId: string,
    parentRunId: string | undefined,
    name: string,
    type: SpanType,
    inputs: unknown,
    attributes: Obj | undefined,
    metadata: Obj | undefined,
  ): LiveRun {
    const parent = parentRunId === undefined ? undefined : this.runs.get(parentRunId);
    let trace: TraceState;
    const span: Span = {
      traceIdHex: '',
      spanIdHex: newSpanIdHex(),
      parentSpanIdHex: parent?.span.spanIdHex,
      name,
      startNs: nowNs(),
      endNs: undefined,
      status: { code: 'STATUS_CODE_UNSET', message: '' },
      attributes: {},
      events: [],
    };
    if (parent) {
      trace = parent.trace;
    } else {
      // No known parent: this run is a root (or its parent was never reported), so a new trace.
      const traceIdHex = newTraceIdHex();
      trace = {
        traceIdHex,
        root: span,
        spans: [],
        open: new Set(),
        tokenUsage: undefined,
        metadata: {},
      };
      this.lastTraceIdHex = traceIdHex;
      this.openTraces.set(trace, Date.now());
      // Amortised: a cheap check every 1000 new traces instead of a timer.
      if (++this.startsSinceSweep >= 1000) {
        this.startsSinceSweep = 0;
        this.sweepStaleTraces();
      }
    }
    span.traceIdHex = trace.traceIdHex;
    trace.spans.push(span);
    trace.open.add(runId);
    span.attributes[SpanAttributeKey.REQUEST_ID] = JSON.stringify(mlflowTraceId(trace.traceIdHex));
    span.attributes[SpanAttributeKey.SPAN_TYPE] = JSON.stringify(type);
    setAttribute(span, SpanAttributeKey.INPUTS, inputs);
    if (attributes) {
      for (const [key, value] of Object.entries(attributes)) {
        if (value !== undefined) setAttribute(span, key, value);
      }
    }
    if (metadata && Object.keys(metadata).length > 0) {
      setAttribute(span, 'metadata', metadata);
      const session = metadata.session_id ?? metadata.thread_id ?? metadata.conversation_id;
      if (typeof session === 'string' || typeof session === 'number') {
        trace.metadata[TraceMetadataKey.SESSION] = String(session);
      }
      const user = metadata.user_id;
      if (typeof user === 'string' || typeof user === 'number')
        trace.metadata[TraceMetadataKey.USER] = String(user);
    }
    const live: LiveRun = { span, trace };
    this.runs.set(runId, live);
    return live;
  }

  private endSpan(runId: string, outputs: unknown, error?: unknown): LiveRun | undefined {
    const live = this.runs.get(runId);
    if (!live) return undefined;
    const { span, trace } = live;
    if (outputs !== undefined) setAttribute(span, SpanAttributeKey.OUTPUTS, outputs);
    if (error !== undefined) {
      const message = error instanceof Error ? error.message : String(error);
      span.status = { code: 'STATUS_CODE_ERROR', message };
      span.events.push({ name: 'exception', timeNs: nowNs(), attributes: errorEvent(error) });
    } else {
      span.status = { code: 'STATUS_CODE_OK', message: '' };
    }
    span.endNs = nowNs();
    this.runs.delete(runId);
    trace.open.delete(runId);
    if (span === trace.root) this.finishTrace(trace);
    return live;
  }

  private finishTrace(trace: TraceState): void {
    this.openTraces.delete(trace);
    const end = trace.root.endNs ?? nowNs();
    // LangChain sometimes never reports the end of a child (e.g. an abandoned stream); close
    // leftovers at the root's end so the tree is complete, and forget them.
    for (const runId of trace.open) {
      const live = this.runs.get(runId);
      if (live && live.span.endNs === undefined) live.span.endNs = end;
      this.runs.delete(runId);
    }
    trace.open.clear();
    const root = trace.root;
    const metadata: Record<string, string> = { ...trace.metadata };
    if (trace.tokenUsage) metadata[TraceMetadataKey.TOKEN_USAGE] = JSON.stringify(trace.tokenUsage);
    const inputs = root.attributes[SpanAttributeKey.INPUTS] ?? '';
    const outputs = root.attributes[SpanAttributeKey.OUTPUTS] ?? '';
    metadata[TraceMetadataKey.INPUTS] = truncateText(inputs, METADATA_CHARS);
    metadata[TraceMetadataKey.OUTPUTS] = truncateText(outputs, METADATA_CHARS);
    if (this.sourceRunId) metadata[TraceMetadataKey.SOURCE_RUN] = this.sourceRunId;
    const finished: FinishedTrace = {
      traceIdHex: trace.traceIdHex,
      spans: trace.spans,
      rootSpan: root,
      metadata,
      tags: { ...this.traceTags },
      requestPreview: truncateText(previewOf(inputs, 'user'), PREVIEW_CHARS),
      responsePreview: truncateText(previewOf(outputs, 'assistant'), PREVIEW_CHARS),
    };
    try {
      this.onTraceEnd?.(finished);
    } catch {
      // A faulty observer must not break the user's chain.
    }
    this.exporter.enqueue(finished);
  }

  private addEvent(
    runId: string,
    name: string,
    attributes: Record<string, string | number | boolean>,
  ): void {
    const live = this.runs.get(runId);
    if (live) live.span.events.push({ name, timeNs: nowNs(), attributes });
  }

  private llmAttributes(extraParams: Obj | undefined, metadata: Obj | undefined): Obj {
    const attributes: Obj = { ...extraParams };
    const params = isObj(extraParams?.invocation_params)
      ? extraParams.invocation_params
      : undefined;
    const model =
      params?.model ?? params?.model_name ?? params?.modelName ?? metadata?.ls_model_name;
    if (typeof model === 'string' && model) attributes[SpanAttributeKey.LLM_MODEL] = model;
    const provider =
      typeof params?._type === 'string'
        ? params._type.replace(/-chat$/, '')
        : metadata?.ls_provider;
    if (typeof provider === 'string' && provider)
      attributes[SpanAttributeKey.LLM_PROVIDER] = provider;
    const tools = toolsOf(params);
    if (tools) attributes[SpanAttributeKey.CHAT_TOOLS] = tools;
    attributes[SpanAttributeKey.MESSAGE_FORMAT] = 'langchain';
    return attributes;
  }

  // --- LangChain callbacks ----------------------------------------------------------------

  override handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    const converted = messages.map((list) => list.map(toChatMessage));
    const inputs = converted.length === 1 ? { messages: converted[0] } : converted;
    const live = this.startSpan(
      runId,
      parentRunId,
      runName(name, llm, 'chat model'),
      'CHAT_MODEL',
      inputs,
      this.llmAttributes(extraParams, metadata),
      metadata,
    );
    if (converted.length === 1) live.chatInputs = converted[0];
  }

  override handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.startSpan(
      runId,
      parentRunId,
      runName(name, llm, 'llm'),
      'LLM',
      { prompts },
      this.llmAttributes(extraParams, metadata),
      metadata,
    );
  }

  override handleLLMNewToken(
    token: string,
    _idx: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    fields?: { chunk?: unknown },
  ): void {
    const attributes: Record<string, string> = { token };
    if (fields?.chunk !== undefined) attributes.chunk = safeJson(fields.chunk);
    this.addEvent(runId, 'new_token', attributes);
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const live = this.runs.get(runId);
    if (!live) return;
    const usage = tokenUsageOf(output);
    if (usage) {
      setAttribute(live.span, SpanAttributeKey.TOKEN_USAGE, usage);
      live.trace.tokenUsage = addUsage(live.trace.tokenUsage, usage);
    }
    this.endSpan(runId, llmResultOutputs(output));
  }

  override handleLLMError(err: unknown, runId: string): void {
    this.endSpan(runId, undefined, err);
  }

  // Parameter order is the one CallbackManager really uses (@langchain/core 1.4 `manager.js`:
  // runId, parentRunId, tags, metadata, runType, runName); the published .d.ts names them in a
  // different order, but the types line up position by position.
  override handleChainStart(
    chain: Serialized,
    inputs: ChainValues,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    name?: string,
  ): void {
    const spanName = runName(name, chain, 'chain');
    this.startSpan(
      runId,
      parentRunId,
      spanName,
      chainSpanType(runType, spanName),
      inputs,
      undefined,
      metadata,
    );
  }

  override handleChainEnd(
    outputs: ChainValues,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    kwargs?: { inputs?: Record<string, unknown> },
  ): void {
    const live = this.runs.get(runId);
    // Streaming chains only know their full inputs at the end; Python re-sets them too.
    if (live && kwargs?.inputs !== undefined)
      setAttribute(live.span, SpanAttributeKey.INPUTS, kwargs.inputs);
    this.endSpan(runId, outputs);
  }

  override handleChainError(
    err: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    kwargs?: { inputs?: Record<string, unknown> },
  ): void {
    const live = this.runs.get(runId);
    if (live && kwargs?.inputs !== undefined)
      setAttribute(live.span, SpanAttributeKey.INPUTS, kwargs.inputs);
    this.endSpan(runId, undefined, err);
  }

  override handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    let parsed: unknown = input;
    try {
      parsed = JSON.parse(input);
    } catch {
      // Plain-text tool input: keep the string, as Python does when literal_eval fails.
    }
    this.startSpan(
      runId,
      parentRunId,
      runName(name, tool, 'tool'),
      'TOOL',
      parsed,
      undefined,
      metadata,
    );
  }

  override handleToolEnd(output: unknown, runId: string): void {
    this.endSpan(runId, output);
  }

  override handleToolError(err: unknown, runId: string): void {
    this.endSpan(runId, undefined, err);
  }

  override handleRetrieverStart(
    retriever: Serialized,
    query: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.startSpan(
      runId,
      parentRunId,
      runName(name, retriever, 'retriever'),
      'RETRIEVER',
      query,
      undefined,
      metadata,
    );
  }

  override handleRetrieverEnd(documents: DocumentInterface[], runId: string): void {
    this.endSpan(
      runId,
      documents.map((doc) => ({
        page_content: doc.pageContent,
        metadata: doc.metadata,
        id: doc.id ?? null,
      })),
    );
  }

  override handleRetrieverError(err: unknown, runId: string): void {
    this.endSpan(runId, undefined, err);
  }

  override handleAgentAction(action: AgentAction, runId: string): void {
    this.addEvent(runId, 'agent_action', {
      tool: action.tool,
      tool_input: safeJson(action.toolInput),
      log: action.log,
    });
  }

  override handleAgentEnd(action: AgentFinish, runId: string): void {
    this.addEvent(runId, 'agent_finish', {
      return_values: safeJson(action.returnValues),
      log: action.log,
    });
  }

  override handleText(text: string, runId: string): void {
    this.addEvent(runId, 'text', { text });
  }

  /**
   * LangChain.js has no retry callback today (Python's `on_retry`); exposed so wrappers that
   * retry (e.g. a custom `AsyncCaller` hook) can record the same `retry` event Python does.
   */
  handleRetry(
    runId: string,
    details: { attempt: number; slept?: number; error?: unknown; result?: unknown },
  ): void {
    const attributes: Record<string, string | number | boolean> = {
      attempt: details.attempt,
      slept: details.slept ?? 0,
      outcome: details.error === undefined ? 'success' : 'failed',
    };
    if (details.error !== undefined) {
      attributes.exception =
        details.error instanceof Error ? details.error.message : String(details.error);
      attributes.exception_type =
        details.error instanceof Error ? details.error.name : typeof details.error;
    } else if (details.result !== undefined) {
      attributes.result = safeJson(details.result);
    }
    this.addEvent(runId, 'retry', attributes);
  }
}

function previewOf(encoded: string, role: 'user' | 'assistant'): string {
  if (!encoded) return '';
  try {
    const value = JSON.parse(encoded) as unknown;
    if (isObj(value)) {
      if (Array.isArray(value.messages)) {
        const text = lastMessageText(value.messages as ChatMessage[], role);
        if (text !== undefined) return text;
      }
      if (Array.isArray(value.choices)) {
        const first = value.choices[0] as { message?: ChatMessage } | undefined;
        if (first?.message && typeof first.message.content === 'string')
          return first.message.content;
      }
    }
    if (typeof value === 'string') return value;
  } catch {
    // Not JSON (cannot happen for our own attributes); fall through to the raw text.
  }
  return encoded;
}
