/**
 * `AgentServer`: a LangChain.js Runnable or agent served over the Databricks agent protocol, the
 * routes MLflow's Python `AgentServer` has (what Databricks Apps and Databricks' clients call):
 *
 * - `POST /invocations`: a ResponsesAgent request (`input`), a ChatAgent request (`messages`) or
 *   an MLflow scoring request (`dataframe_records`, `dataframe_split`, `instances`, `inputs`);
 * - `POST /responses`: the Responses API;
 * - `"stream": true` answers Server-Sent Events (Responses events, or ChatAgent chunks), ending
 *   with `data: [DONE]`;
 * - `GET /health` (the process is up), `GET /ready` (the agent is loaded and the server is not
 *   draining), `GET /agent/info`.
 *
 * Every request runs under a concurrency limit with a bounded queue, a body size limit, and an
 * abort signal that fires when the client goes away. Each request is one MLflow trace (through
 * `@lakechain/mlflow-tracking`); with the header `x-mlflow-return-trace-id: true` or
 * `databricks_options.return_trace` the trace comes back as Databricks returns it. `close()`
 * drains: no new requests, in-flight ones finish (or are aborted after `shutdownTimeoutMs`).
 *
 * HTTP is Hono on `@hono/node-server` (see the README for why).
 */

import { once } from 'node:events';
import { type IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HttpBindings, serve } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import {
  type FinishedTrace,
  MlflowTracer,
  TraceExporter,
  type TraceExporterOptions,
  tracesJson,
} from '@lakechain/mlflow-tracking';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { AgentServerError, badRequest } from './errors.js';
import { Limiter } from './limiter.js';
import {
  type AgentRequest,
  messagesToChatAgent,
  messagesToOutputItems,
  readRequest,
  responsesUsage,
  type ScoringRequest,
} from './protocol.js';
import {
  AgentRunner,
  configFor,
  type InputStyle,
  type RunResult,
  type ServableAgent,
} from './runner.js';
import { VERSION } from './version.js';
import { ChatAgentChunkWriter, ResponsesEventWriter } from './writers.js';

type Json = Record<string, unknown>;

export interface AgentServerOptions {
  /** The runnable or agent, or a function that makes it (called once, on `start()`). */
  agent: ServableAgent | (() => ServableAgent | Promise<ServableAgent>);
  /** Name in `/agent/info` and the `model` of responses. Default `DATABRICKS_APP_NAME`, else the runnable's name. */
  name?: string;
  /** How the runnable is called (see `runner.ts`). Default `'auto'`: detected. */
  inputStyle?: InputStyle | 'auto';
  /** For a plain chain: the input variable the last user message goes to. Default `input`. */
  inputKey?: string;
  /** Requests running the agent at once. Default 8. */
  maxConcurrency?: number;
  /** Requests waiting for a slot; more are refused with 429. Default 64. */
  maxQueue?: number;
  /** Largest request body in bytes; larger ones get 413. Default 4 MiB. */
  maxBodyBytes?: number;
  /** How long `close()` waits for requests in flight before aborting them. Default 30 s. */
  shutdownTimeoutMs?: number;
  /**
   * MLflow tracing of each request. `'auto'` (default): on when `MLFLOW_TRACKING_URI` is set (on
   * Databricks Apps: `databricks`, with `MLFLOW_EXPERIMENT_ID` from the app's resources); an
   * exporter's options (or `exporter`, which stays the caller's); `false`: off.
   */
  tracing?: 'auto' | false | (TraceExporterOptions & { exporter?: TraceExporter });
  /** Environment read for the defaults. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

interface RequestScope {
  signal: AbortSignal;
  tracer?: MlflowTracer;
  trace(): FinishedTrace | undefined;
}

const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export class AgentServer {
  readonly app: Hono;
  readonly #options: AgentServerOptions;
  readonly #env: Record<string, string | undefined>;
  readonly #limiter: Limiter;
  /** Aborted when a drain times out: every request in flight stops. */
  readonly #shutdown = new AbortController();
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Responses the listener is still writing (an answer is done when its last byte is sent). */
  readonly #openResponses = new Set<ServerResponse>();
  #responsesDone?: () => void;
  #runner?: AgentRunner;
  #starting?: Promise<AgentRunner>;
  #exporter?: TraceExporter;
  #ownsExporter = false;
  #draining = false;
  #server?: Server;
  #closing?: Promise<void>;

  constructor(options: AgentServerOptions) {
    this.#options = options;
    this.#env = options.env ?? process.env;
    this.#limiter = new Limiter(options.maxConcurrency ?? 8, options.maxQueue ?? 64);
    const tracing = options.tracing ?? 'auto';
    if (tracing === 'auto') {
      if (this.#env.MLFLOW_TRACKING_URI) {
        this.#exporter = new TraceExporter({ env: this.#env });
        this.#ownsExporter = true;
      }
    } else if (tracing) {
      const { exporter, ...exporterOptions } = tracing;
      this.#exporter = exporter ?? new TraceExporter(exporterOptions);
      this.#ownsExporter = exporter === undefined;
    }
    this.app = this.#routes();
  }

  /** The served runnable's name (or the configured one). */
  get name(): string {
    return this.#options.name ?? this.#env.DATABRICKS_APP_NAME ?? this.#runner?.name ?? 'agent';
  }

  /** Requests running now and waiting for a slot. */
  get load(): { running: number; queued: number } {
    return { running: this.#limiter.running, queued: this.#limiter.queued };
  }

  /** Loads the agent (if given as a factory). Called by `listen()`; safe to call again. */
  start(): Promise<AgentRunner> {
    this.#starting ??= (async () => {
      const agent =
        typeof this.#options.agent === 'function'
          ? await (this.#options.agent as () => ServableAgent | Promise<ServableAgent>)()
          : this.#options.agent;
      this.#runner = new AgentRunner(agent, {
        inputStyle: this.#options.inputStyle,
        inputKey: this.#options.inputKey,
      });
      return this.#runner;
    })();
    this.#starting.catch(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  /** Answers one request in-process (what the HTTP listener calls). */
  fetch = (request: Request): Response | Promise<Response> => this.app.fetch(request);

  /**
   * Listens on `port` (default `DATABRICKS_APP_PORT`, else 8000) and `hostname` (default
   * `0.0.0.0` on Databricks Apps, else `127.0.0.1`). Resolves once listening.
   */
  async listen(
    options: { port?: number; hostname?: string } = {},
  ): Promise<{ port: number; url: string }> {
    await this.start();
    const port = options.port ?? Number(this.#env.DATABRICKS_APP_PORT ?? 8000);
    const hostname = options.hostname ?? (this.#env.DATABRICKS_APP_PORT ? '0.0.0.0' : '127.0.0.1');
    const server = await new Promise<Server>((resolve, reject) => {
      const created = serve({ fetch: this.app.fetch, port, hostname }, () =>
        resolve(created as Server),
      );
      (created as Server).once('error', reject);
    });
    server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      this.#openResponses.add(response);
      response.once('close', () => {
        this.#openResponses.delete(response);
        if (this.#openResponses.size === 0) this.#responsesDone?.();
      });
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    const host = hostname === '0.0.0.0' ? '127.0.0.1' : hostname;
    return { port: address.port, url: `http://${host}:${address.port}` };
  }

  /**
   * Drains and stops: new requests get 503, requests in flight finish (streams included) or are
   * aborted after `shutdownTimeoutMs`, then the listener closes and the trace exporter this server
   * made sends what it has and closes. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // New requests get 503 from here on; the listener stays up while requests drain (Node's
      // `server.close()` would also drop connections whose answer has not started yet).
      this.#draining = true;
      const timeout = this.#options.shutdownTimeoutMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      const written = new Promise<void>((resolve) => {
        this.#responsesDone = resolve;
        if (this.#openResponses.size === 0) resolve();
      });
      const drained = Promise.allSettled([...this.#inFlight]).then(() => written);
      const expired = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeout);
        timer.unref?.();
      });
      if ((await Promise.race([drained, expired])) === 'timeout') {
        this.#shutdown.abort(
          new AgentServerError('The server is shutting down.', { kind: 'draining' }),
        );
        await drained;
      }
      clearTimeout(timer);
      const server = this.#server;
      if (server) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      }
      if (this.#ownsExporter) await this.#exporter?.close();
      else await this.#exporter?.flush();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #routes(): Hono {
    const app = new Hono();
    const limit = this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const tooLarge = (c: Context) =>
      c.json(
        {
          error_code: 'REQUEST_ENTITY_TOO_LARGE',
          message: `Request body larger than ${limit} bytes.`,
        },
        413,
      );
    const countedLimit = bodyLimit({ maxSize: limit, onError: tooLarge });
    app.use('*', async (c, next) => {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
      // A declared length is the body's length (Node's parser reads no more), so it is checked
      // without touching the body. Hono's `bodyLimit` reads `c.req.raw.body`, which makes the node
      // adapter build a full Web Request around a Web stream of the socket: 0.3 ms of a 0.75 ms
      // small request on loopback (bench/PROFILE.md). Chunked bodies are counted as they arrive.
      const length = c.req.header('content-length');
      if (length !== undefined && c.req.header('transfer-encoding') === undefined)
        return Number(length) > limit ? tooLarge(c) : next();
      return countedLimit(c, next);
    });
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.get('/ready', (c) =>
      this.#runner && !this.#draining
        ? c.json({ status: 'ready' })
        : c.json({ status: this.#draining ? 'draining' : 'starting' }, 503),
    );
    app.get('/agent/info', (c) =>
      c.json({
        name: this.name,
        use_case: 'agent',
        agent_api: 'responses',
        agent_server: `@lakechain/agent-server ${VERSION}`,
        input_style: this.#runner?.style ?? null,
      }),
    );
    app.post('/invocations', (c) => this.#handle(c, 'invocations'));
    app.post('/responses', (c) => this.#handle(c, 'responses'));
    app.notFound((c) =>
      c.json(
        { error_code: 'ENDPOINT_NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` },
        404,
      ),
    );
    app.onError((error, c) => {
      if (AgentServerError.isInstance(error)) {
        const headers: Record<string, string> =
          error.kind === 'overloaded' ? { 'retry-after': '1' } : {};
        return c.json(
          {
            error_code: error.kind === 'bad_request' ? 'BAD_REQUEST' : error.kind.toUpperCase(),
            message: error.message,
          },
          error.status as 400,
          headers,
        );
      }
      const message = error instanceof Error ? error.message : String(error);
      return c.json({ error_code: 'INTERNAL_ERROR', message }, 500);
    });
    return app;
  }

  /** Runs `work` counted as in flight (so `close()` waits for it). */
  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    const forget = () => this.#inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  async #handle(c: Context, route: 'invocations' | 'responses'): Promise<Response> {
    if (this.#draining)
      throw new AgentServerError('The server is shutting down.', { kind: 'draining' });
    const runner = this.#runner ?? (await this.start());
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw badRequest('The request body is not valid JSON.');
    }
    const request = readRequest(body, route);
    const signal = AbortSignal.any([c.req.raw.signal, this.#shutdown.signal]);
    const release = await this.#limiter.acquire(signal);
    const returnTrace =
      c.req.header('x-mlflow-return-trace-id')?.toLowerCase() === 'true' ||
      (request.protocol !== 'scoring' && request.returnTrace);
    const scope = this.#scope(signal, route);
    if (request.protocol !== 'scoring' && request.stream) {
      // Released when the stream ends, not when its headers go out.
      return this.#stream(c, runner, request, scope, returnTrace, release);
    }
    try {
      return await this.#track(this.#answer(c, runner, request, scope, returnTrace));
    } finally {
      release();
    }
  }

  #scope(signal: AbortSignal, route: string): RequestScope {
    if (!this.#exporter) return { signal, trace: () => undefined };
    let finished: FinishedTrace | undefined;
    // One tracer per request on the shared exporter: its trace id is this request's.
    const tracer = new MlflowTracer({
      exporter: this.#exporter,
      tags: { 'lakechain.agent.route': route },
      onTraceEnd: (trace) => {
        finished = trace;
      },
    });
    return { signal, tracer, trace: () => finished };
  }

  #config(request: AgentRequest | ScoringRequest, scope: RequestScope) {
    return configFor(request.protocol === 'scoring' ? {} : request, {
      signal: scope.signal,
      callbacks: scope.tracer ? [scope.tracer] : undefined,
      runName: this.name,
    });
  }

  async #answer(
    c: Context,
    runner: AgentRunner,
    request: AgentRequest | ScoringRequest,
    scope: RequestScope,
    returnTrace: boolean,
  ): Promise<Response> {
    const config = this.#config(request, scope);
    if (request.protocol === 'scoring') {
      const predictions: unknown[] = [];
      for (const record of request.records) predictions.push(await runner.score(record, config));
      return c.json({ predictions });
    }
    const result = await runner.invoke(request, config);
    const trace = returnTrace ? this.#databricksOutput(scope) : {};
    if (request.protocol === 'chat-agent') {
      const usage = responsesUsage(result.usages);
      return c.json({
        messages: messagesToChatAgent(result.messages),
        finish_reason: 'stop',
        ...(result.customOutputs ? { custom_outputs: result.customOutputs } : {}),
        ...(usage
          ? {
              usage: {
                prompt_tokens: usage.input_tokens,
                completion_tokens: usage.output_tokens,
                total_tokens: usage.total_tokens,
              },
            }
          : {}),
        ...trace,
      });
    }
    const writer = new ResponsesEventWriter(this.name);
    const usage = responsesUsage(result.usages);
    return c.json({
      id: writer.responseId,
      object: 'response',
      created_at: writer.createdAt,
      status: 'completed',
      error: null,
      model: this.name,
      output: messagesToOutputItems(result.messages),
      ...(usage ? { usage } : {}),
      ...(result.customOutputs ? { custom_outputs: result.customOutputs } : {}),
      ...trace,
    });
  }

  /** `databricks_output.trace` as Databricks serving returns it: the trace's info and spans. */
  #databricksOutput(scope: RequestScope): Json {
    const trace = scope.trace();
    const traceId = scope.tracer?.lastTraceId;
    if (!trace || !traceId) return {};
    return {
      databricks_output: {
        trace: {
          info: {
            trace_id: traceId,
            state: trace.rootSpan.status.code === 'STATUS_CODE_ERROR' ? 'ERROR' : 'OK',
            request_preview: trace.requestPreview,
            response_preview: trace.responsePreview,
            trace_metadata: trace.metadata,
            tags: trace.tags,
          },
          data: JSON.parse(tracesJson(trace.spans)),
        },
      },
    };
  }

  #stream(
    c: Context,
    runner: AgentRunner,
    request: AgentRequest,
    scope: RequestScope,
    returnTrace: boolean,
    release: () => void,
  ): Response {
    const config = this.#config(request, scope);
    let done!: () => void;
    this.#track(new Promise<void>((resolve) => (done = resolve)));
    // Errors are answered inside: handed to streamSSE's onError, Hono would append an
    // `event: error` of its own after our `[DONE]`.
    const run = async (sink: EventSink) => {
      // The events one runner event yields (an item added, its content part, the first delta) go
      // out as one write. JSON has no raw line breaks: each event is one `data:` line.
      const sendAll = async (events: Iterable<unknown>): Promise<boolean> => {
        let text = '';
        for (const data of events) text += `data: ${JSON.stringify(data)}\n\n`;
        if (text === '') return false;
        await sink.write(text);
        return true;
      };
      // The first answer event leaves at once. Later ones leave when the tick ends, together
      // with whatever else the agent yields in the same tick: a model's tokens arrive in ticks of
      // their own (network reads), so each still goes out as it comes, and a burst costs one
      // write instead of one per event.
      let flushed = false;
      const sendFirst = () => {
        if (flushed) return;
        flushed = true;
        sink.flush();
      };
      try {
        let result: RunResult | undefined;
        if (request.protocol === 'chat-agent') {
          const writer = new ChatAgentChunkWriter();
          for await (const event of runner.stream(request, config)) {
            if (event.type === 'final') result = event.result;
            if (await sendAll(writer.handle(event))) sendFirst();
          }
          if (result) await sendAll([writer.finish(result)]);
        } else {
          const writer = new ResponsesEventWriter(this.name);
          await sendAll(writer.created());
          for await (const event of runner.stream(request, config)) {
            if (event.type === 'final') result = event.result;
            if (await sendAll(writer.handle(event))) sendFirst();
          }
          if (result) await sendAll(writer.completed(result));
        }
        const traceId = scope.tracer?.lastTraceId;
        if (returnTrace && traceId) await sendAll([{ trace_id: traceId }]);
        await sink.write(SSE_DONE);
      } catch (error) {
        if (scope.signal.aborted) return;
        const message = error instanceof Error ? error.message : String(error);
        // OpenAI's error event: Databricks' clients raise it as the stream's error.
        await sendAll([{ type: 'error', code: 'INTERNAL_ERROR', message }]);
        await sink.write(SSE_DONE);
      } finally {
        release();
        done();
      }
    };
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    if (outgoing instanceof ServerResponse) {
      // Served by `listen()`: written to Node's response directly (bench/PROFILE.md). Through
      // Hono's streamSSE, every event crossed two Web streams and the adapter's reader, and,
      // all of that being promise jobs, Node's chunked writer (which corks the socket until the
      // next tick) sent the first token together with the last one.
      outgoing.writeHead(200, SSE_HEADERS);
      outgoing.flushHeaders();
      void run(nodeSink(outgoing, scope.signal)).finally(() => outgoing.end());
      return RESPONSE_ALREADY_SENT;
    }
    // In-process (`fetch`): a Web stream, as any fetch handler answers.
    return streamSSE(c, (sse) =>
      run({
        write: async (text) => {
          await sse.write(text);
        },
        flush: () => {},
      }),
    );
  }
}

/** Where a stream's Server-Sent Events text goes. */
interface EventSink {
  write(text: string): Promise<void>;
  /** Sends what is written so far now (not at the end of this tick). */
  flush(): void;
}

/** The response headers of a stream, as Hono's streamSSE sets them. */
const SSE_HEADERS = {
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'content-type': 'text/event-stream',
  'transfer-encoding': 'chunked',
};
const SSE_DONE = 'data: [DONE]\n\n';

/** Node's response as a sink: waits for `drain` when the client reads slower than we write. */
function nodeSink(response: ServerResponse, signal: AbortSignal): EventSink {
  return {
    async write(text) {
      // A client that went away aborts `signal`; the wait then ends at once.
      if (!response.write(text)) await once(response, 'drain', { signal }).catch(() => {});
    },
    flush() {
      // Node corks a chunked response's socket until the next tick, so everything written in
      // one run of promise jobs leaves together: a fast agent's first token went out with its
      // last. `uncork` sends it now.
      response.uncork();
    },
  };
}
