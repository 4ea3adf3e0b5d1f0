/**
 * Background export of finished traces (protocol A: StartTraceV3, then `traces.json` to the
 * returned artifact location). The tracer only enqueues; requests happen later, in batches, off
 * the caller's critical path. Failures never reach the user's chain.
 *
 * Retries live here, at the queue, not in the HTTP layer: a trace whose export fails for a
 * transient reason (connection refused while the server restarts, 429, 503) goes back in the
 * queue and resumes where it stopped, for up to `retryWindowMs`. Only then, or on a permanent
 * error, is it dropped, with a single warning. This is a retry loop outside core's transport on
 * purpose: a trace outlives the request that produced it, and a tracking server restart takes
 * longer than one request's retry budget. The waits are core's backoff (full jitter), so the
 * exporters of many processes that lost the same server do not come back in lockstep.
 */
import type { RetryOptions } from '@lakechain/core';
import {
  computeBackoffMs,
  DatabricksApiError,
  DatabricksConnectionError,
  redactForInspection,
  redactSecrets,
} from '@lakechain/core';
import type { ConnectionOptions } from './connection.js';
import { MlflowConfigError } from './errors.js';
import { flushOnExit } from './exit_hook.js';
import { isOtlpUnsupported, MlflowClient } from './mlflow_client.js';
import { otlpTraceRequest } from './otlp.js';
import { buildTraceInfo, type FinishedTrace, type TraceInfo, tracesJson } from './spans.js';
import { type ExperimentSelector, resolveExperimentSelector } from './tracking_uri.js';

export interface TraceExporterOptions extends ConnectionOptions {
  /** Use this client (and its connection) instead of building one from the options. */
  client?: MlflowClient;
  /**
   * Traces exported concurrently per batch. Default 4: a SQLite-backed OSS server serialises
   * writes, and 16 in flight made it time out in the benchmark (bench/run.mjs).
   */
  batchSize?: number;
  /** Delay before a batch is sent, to gather traces that finish together. Default 50 ms. */
  flushIntervalMs?: number;
  /** Queued traces kept while the server is slow; the oldest are dropped beyond this. Default 1000. */
  maxQueueSize?: number;
  /**
   * How long a trace keeps being retried after its first failed export (server down, 429, 503)
   * before it is dropped. Default 120 000 ms, enough for a tracking server to restart.
   */
  retryWindowMs?: number;
  /**
   * How spans reach an open-source server: `'auto'` (default) sends them over OTLP (`/v1/traces`,
   * stored in the tracking database, MLflow ≥ 3.4 with a SQL backend) and falls back to the
   * `traces.json` artifact for good once the server shows it cannot take them; `'artifact'`
   * always uploads `traces.json`. Databricks always uses the artifact protocol, as Python does.
   */
  spanTransport?: 'auto' | 'artifact';
  /** Where the one warning goes. Default `console.warn`. */
  warn?: (message: string) => void;
  /** Register a `beforeExit` hook so a normally exiting process loses nothing. Default true. */
  flushOnExit?: boolean;
}

export interface ExporterStats {
  exported: number;
  dropped: number;
  queued: number;
}

/** One attempt per request: the queue retries (see the file comment), so no second layer. */
const EXPORT_RETRY: RetryOptions = { maxAttempts: 1 };

/**
 * Backoff between export attempts of one trace: a jittered draw below 1 s, 2 s, 4 s... capped at
 * 15 s (core's `computeBackoffMs`).
 */
const EXPORT_BACKOFF = { initialDelayMs: 1_000, maxDelayMs: 15_000 };

interface QueuedTrace {
  trace: FinishedTrace;
  attempts: number;
  /** When the first attempt failed (epoch ms); the retry window runs from here. */
  firstFailureAt?: number;
  /** Not retried before this time (epoch ms). */
  notBefore: number;
  /** Set once StartTraceV3 succeeded, so a retry only uploads the spans. */
  stored?: TraceInfo;
  /** Set once the spans went over OTLP, so a retry does not send them twice. */
  spansLogged?: boolean;
}

/** Whether an export failure may pass (server restarting, overloaded, rate limiting). */
function isTransient(error: unknown): boolean {
  if (DatabricksConnectionError.isInstance(error)) return true;
  if (DatabricksApiError.isInstance(error)) return error.retryable || error.statusCode >= 500;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== error && isTransient(cause);
}

function retryAfterOf(error: unknown): number | undefined {
  if (DatabricksApiError.isInstance(error)) return error.retryAfterMs;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== error ? retryAfterOf(cause) : undefined;
}

export class TraceExporter {
  /**
   * What `console.log` / `util.inspect` show: this object with credential-bearing fields masked
   * (LangChain keeps constructor arguments, tokens included, in plain fields).
   */
  [Symbol.for('nodejs.util.inspect.custom')](): unknown {
    return redactForInspection(this);
  }

  private readonly options: TraceExporterOptions;
  private clientInstance: MlflowClient | undefined;
  private experimentPromise: Promise<string> | undefined;
  private readonly queue: QueuedTrace[] = [];
  /** Taken off `queue` by a running drain, waiting for their next attempt; still counted as queued. */
  private readonly parked: QueuedTrace[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private draining: Promise<void> | undefined;
  private warned = false;
  private closed = false;
  /** Cleared after the first answer showing the server cannot ingest OTLP spans. */
  private otlp = true;
  private readonly counters = { exported: 0, dropped: 0 };
  private readonly unregister: () => void;
  /** A client passed in stays open on close(); one made here is closed with the exporter. */
  private readonly ownsClient: boolean;
  private closing: Promise<void> | undefined;

  constructor(options: TraceExporterOptions = {}) {
    this.options = options;
    this.clientInstance = options.client;
    this.ownsClient = options.client === undefined;
    this.unregister = options.flushOnExit === false ? () => undefined : flushOnExit(this);
  }

  get stats(): ExporterStats {
    return { ...this.counters, queued: this.queue.length + this.parked.length };
  }

  hasPendingWork(): boolean {
    return this.queue.length > 0 || this.draining !== undefined;
  }

  /** The client, built lazily so a configuration problem surfaces as a warning, not a throw. */
  client(): MlflowClient {
    this.clientInstance ??= new MlflowClient({ retry: EXPORT_RETRY, ...this.options });
    return this.clientInstance;
  }

  /** Resolves (and caches) the experiment id traces go to. */
  experimentId(): Promise<string> {
    if (!this.experimentPromise) {
      const promise = this.resolveExperiment(resolveExperimentSelector(this.options));
      this.experimentPromise = promise;
      // Do not cache a failure: the server may come back.
      promise.catch(() => {
        if (this.experimentPromise === promise) this.experimentPromise = undefined;
      });
    }
    return this.experimentPromise;
  }

  private async resolveExperiment(selector: ExperimentSelector): Promise<string> {
    if (selector.experimentId) return selector.experimentId;
    const client = this.client();
    if (selector.experimentName) return client.getOrCreateExperiment(selector.experimentName);
    if (client.connection.kind === 'databricks') {
      throw new MlflowConfigError(
        'No MLflow experiment for Databricks: pass "experimentName" (an absolute workspace path such as ' +
          '/Users/<you>/my-app) or "experimentId", or set MLFLOW_EXPERIMENT_NAME / MLFLOW_EXPERIMENT_ID.',
      );
    }
    return '0'; // the OSS server's "Default" experiment
  }

  enqueue(trace: FinishedTrace): void {
    if (this.closed) {
      this.counters.dropped++;
      return;
    }
    const max = this.options.maxQueueSize ?? 1000;
    if (this.queue.length + this.parked.length >= max) {
      // The oldest trace goes: one parked by a running drain if there is one, as they are older.
      (this.parked.length > 0 ? this.parked : this.queue).shift();
      this.counters.dropped++;
      this.warnOnce(
        `the export queue is full (${max} traces); the MLflow server is not keeping up`,
      );
    }
    this.queue.push({ trace, attempts: 0, notBefore: 0 });
    this.schedule(this.options.flushIntervalMs ?? 50);
  }

  private schedule(delayMs: number): void {
    if (this.draining !== undefined) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain(false);
    }, delayMs);
    // Never keep an otherwise finished process alive just for batching or a retry backoff;
    // the beforeExit hook (or flush()) picks the work up instead.
    this.timer.unref?.();
  }

  /** Exports every queued trace that is due (all of them when `ignoreBackoff`). */
  private drain(ignoreBackoff: boolean): Promise<void> {
    if (this.draining) return this.draining;
    const run = (async () => {
      const size = Math.max(1, this.options.batchSize ?? 4);
      const due = (item: QueuedTrace) => ignoreBackoff || item.notBefore <= Date.now();
      while (this.queue.length > 0) {
        const batch: QueuedTrace[] = [];
        while (this.queue.length > 0 && batch.length < size) {
          const item = this.queue.shift() as QueuedTrace;
          (due(item) ? batch : this.parked).push(item);
        }
        const results = await Promise.all(batch.map((item) => this.exportOne(item)));
        this.parked.push(...batch.filter((_, index) => results[index] === 'retry'));
      }
      this.queue.push(...this.parked.splice(0));
    })();
    this.draining = run.finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) {
        const next = Math.min(...this.queue.map((item) => item.notBefore));
        this.schedule(Math.max(0, next - Date.now()));
      }
    });
    return this.draining;
  }

  private async exportOne(item: QueuedTrace): Promise<'done' | 'retry'> {
    try {
      const client = this.client();
      const secrets = client.connection.secrets();
      if (!item.stored) {
        const experimentId = await this.experimentId();
        if (
          !item.spansLogged &&
          this.otlp &&
          this.options.spanTransport !== 'artifact' &&
          client.connection.kind === 'oss'
        ) {
          try {
            await client.logSpansOtlp(
              experimentId,
              redactSecrets(otlpTraceRequest(item.trace.spans), secrets),
            );
            item.spansLogged = true;
          } catch (error) {
            if (!isOtlpUnsupported(error)) throw error;
            this.otlp = false;
          }
        }
        const info = JSON.parse(
          redactSecrets(JSON.stringify(buildTraceInfo(item.trace, experimentId)), secrets),
        ) as TraceInfo;
        item.stored = await client.startTrace(info);
      }
      // The server tags traces whose spans it holds (`spansLocation=TRACKING_STORE`); the
      // artifact upload is skipped for those.
      await client.uploadTraceData(
        item.stored,
        redactSecrets(tracesJson(item.trace.spans), secrets),
      );
      this.counters.exported++;
      return 'done';
    } catch (error) {
      item.attempts += 1;
      const now = Date.now();
      item.firstFailureAt ??= now;
      const window = this.options.retryWindowMs ?? 120_000;
      if (!this.closed && isTransient(error) && now - item.firstFailureAt < window) {
        const backoff = computeBackoffMs(item.attempts - 1, EXPORT_BACKOFF);
        // Nobody waits on a background export, so the server's Retry-After is honoured in full
        // (a floor), where core's transport caps it for the caller's sake.
        item.notBefore = now + Math.max(backoff, retryAfterOf(error) ?? 0);
        return 'retry';
      }
      this.counters.dropped++;
      const message = (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '');
      let secrets: readonly string[] = [];
      try {
        secrets = this.client().connection.secrets();
      } catch {
        // No connection could be built; the message cannot contain its secrets either.
      }
      this.warnOnce(redactSecrets(message, secrets));
      return 'done';
    }
  }

  private warnOnce(rawReason: string): void {
    if (this.warned) return;
    const reason = rawReason.replace(/\.+$/, '');
    this.warned = true;
    let where = 'MLflow';
    try {
      where = this.client().connection.displayHost;
    } catch {
      // keep the generic name
    }
    const warn = this.options.warn ?? ((m: string) => console.warn(m));
    warn(
      `[@lakechain/mlflow-tracking] Could not export traces to ${where}: ${reason}. ` +
        'Traces are being dropped; your application is not affected. This warning is shown once.',
    );
  }

  /**
   * Exports every queued trace now (without waiting for retry backoffs) and resolves when each has
   * been exported, dropped, or, if the server is still unreachable, put back for a later retry
   * within its retry window. `shutdown()` drops what is left instead.
   */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.draining) await this.draining;
    await this.drain(true);
  }

  /**
   * Refuses new traces, exports every queued one (without waiting for retry backoffs), then
   * releases the client this exporter made (its connection pools with `caCert`) and the exit
   * hook. What the server still refuses or cannot be reached for at that point is dropped with
   * the one warning and counted in `stats.dropped`. Idempotent; `await using` calls it.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.flush();
      this.abandon();
      this.unregister();
      if (this.ownsClient) await this.clientInstance?.close();
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The same as `close()` (the name OpenTelemetry exporters use). */
  shutdown(): Promise<void> {
    return this.close();
  }

  /** Drops every trace still waiting for a retry, with the one warning (the process is ending). */
  abandon(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    this.counters.dropped += this.queue.length;
    this.queue.length = 0;
    this.warnOnce('the MLflow server was still unreachable when the process ended');
  }
}
