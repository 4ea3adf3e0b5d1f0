/**
 * Background export of finished traces (protocol A: StartTraceV3, then `traces.json` to the
 * returned artifact location). The tracer only enqueues; requests happen later, in batches, off
 * the caller's critical path. Failures never reach the user's chain: the HTTP layer (core's
 * transport) retries, then the trace is dropped and a single warning is printed.
 */
import type { RetryOptions } from '@lakechain/core';
import { redactSecrets } from '@lakechain/core';
import type { ConnectionOptions } from './connection.js';
import { flushOnExit } from './exit_hook.js';
import { MlflowClient } from './mlflow_client.js';
import { buildTraceInfo, type FinishedTrace, type TraceInfo, tracesJson } from './spans.js';
import {
  type ExperimentSelector,
  MlflowConfigError,
  resolveExperimentSelector,
} from './tracking_uri.js';

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

/**
 * Retry budget for export requests. Short on purpose: a dead server should cost a few seconds of
 * background work, not the two-minute default meant for interactive API calls.
 */
const EXPORT_RETRY: RetryOptions = {
  maxAttempts: 3,
  initialDelayMs: 250,
  maxDelayMs: 2000,
  totalTimeoutMs: 15_000,
};

export class TraceExporter {
  private readonly options: TraceExporterOptions;
  private clientInstance: MlflowClient | undefined;
  private experimentPromise: Promise<string> | undefined;
  private readonly queue: FinishedTrace[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private draining: Promise<void> | undefined;
  private warned = false;
  private closed = false;
  private readonly counters = { exported: 0, dropped: 0 };
  private readonly unregister: () => void;

  constructor(options: TraceExporterOptions = {}) {
    this.options = options;
    this.clientInstance = options.client;
    this.unregister = options.flushOnExit === false ? () => undefined : flushOnExit(this);
  }

  get stats(): ExporterStats {
    return { ...this.counters, queued: this.queue.length };
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
    if (this.queue.length >= max) {
      this.queue.shift();
      this.counters.dropped++;
      this.warnOnce(
        `the export queue is full (${max} traces); the MLflow server is not keeping up`,
      );
    }
    this.queue.push(trace);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.draining !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, this.options.flushIntervalMs ?? 50);
    // Never keep an otherwise finished process alive just for the batching delay;
    // the beforeExit hook (or flush()) picks the work up instead.
    this.timer.unref?.();
  }

  private drain(): Promise<void> {
    if (this.draining) return this.draining;
    const run = (async () => {
      const size = Math.max(1, this.options.batchSize ?? 4);
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, size);
        await Promise.all(batch.map((trace) => this.exportOne(trace)));
      }
    })();
    this.draining = run.finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) this.schedule();
    });
    return this.draining;
  }

  private async exportOne(trace: FinishedTrace): Promise<void> {
    try {
      const client = this.client();
      const secrets = client.connection.secrets();
      const experimentId = await this.experimentId();
      const info = JSON.parse(
        redactSecrets(JSON.stringify(buildTraceInfo(trace, experimentId)), secrets),
      ) as TraceInfo;
      const stored = await client.startTrace(info);
      await client.uploadTraceData(stored, redactSecrets(tracesJson(trace.spans), secrets));
      this.counters.exported++;
    } catch (error) {
      this.counters.dropped++;
      const message = (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '');
      let secrets: readonly string[] = [];
      try {
        secrets = this.client().connection.secrets();
      } catch {
        // No connection could be built; the message cannot contain its secrets either.
      }
      this.warnOnce(redactSecrets(message, secrets));
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

  /** Resolves when every trace enqueued so far has been exported or dropped. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.queue.length > 0 || this.draining) {
      await this.drain();
    }
  }

  /** Flushes, then refuses new traces and unregisters from the exit hook. */
  async shutdown(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.unregister();
  }
}
