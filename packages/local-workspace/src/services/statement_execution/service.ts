/**
 * Databricks' SQL Statement Execution API (`/api/2.0/sql/statements`) on the workspace's engine:
 * execute (waiting up to `wait_timeout`, then CONTINUE or CANCEL), get a statement, get a result
 * chunk, cancel. Results come INLINE (JSON_ARRAY) or as EXTERNAL_LINKS (JSON_ARRAY, CSV or
 * ARROW_STREAM chunks behind expiring presigned URLs served by this listener under
 * `/__statements/...`, which need and accept no workspace token).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../../platform/errors.js';
import { defineService } from '../../platform/service.js';
import { parseExecuteRequest, resultDataOf, STATEMENTS_PATH, statementResponseOf } from './api.js';
import { createLinkSigner, LINK_PREFIX, s3ErrorXml } from './links.js';
import { type StatementRegistry as Registry, Statement, StatementRegistry } from './statements.js';

export interface StatementExecutionOptions {
  /** A chunk is closed once it holds this many bytes. Default 8 MiB. */
  chunkBytes?: number;
  /** Rows read from the engine at a time. Default 10 000. */
  pageRows?: number;
  /** How long a presigned link works. Default 900 s (15 minutes, as on Databricks). */
  linkLifetimeSeconds?: number;
  /**
   * Headers every link download must carry (sent to clients in `http_headers`, as some clouds
   * require); a download without them is refused. Default none.
   */
  linkHeaders?: Record<string, string>;
  /** How long a result can be fetched after the statement ends. Default 3600 s. */
  resultLifetimeSeconds?: number;
  /** Results kept in memory at most; the oldest are CLOSED beyond it. Default 512 MiB. */
  maxRetainedBytes?: number;
  /** INLINE results larger than this FAIL. Default 25 MiB, as on Databricks. */
  inlineLimitBytes?: number;
  /** Clock (link expiry, result lifetime), injectable in tests. */
  now?: () => number;
}

/** One download of a result link, as the listener saw it. */
export interface LinkRequestRecord {
  statementId: string;
  chunkIndex: number;
  /** Whether the request carried an `Authorization` header (it never should). */
  authorization: boolean;
  status: number;
}

/** What tests and tools see as `ws.statementExecution`. */
export interface LocalStatementExecution {
  /** Every statement the API has accepted, oldest first. */
  statements(): Array<{
    id: string;
    statement: string;
    state: string;
    disposition: string;
    format: string;
    chunks: number;
    rows: number;
  }>;
  /** Downloads of result links, in order. */
  readonly linkRequests: LinkRequestRecord[];
  /** Makes every link handed out so far expire now: clients must ask for fresh ones. */
  expireLinks(): void;
}

export const statementExecutionService = defineService({
  name: 'statementExecution',
  create(context, options: StatementExecutionOptions | undefined) {
    const now = options?.now ?? Date.now;
    const settings = {
      pageRows: options?.pageRows ?? 10_000,
      chunkBytes: options?.chunkBytes ?? 8 * 1024 * 1024,
      inlineLimitBytes: options?.inlineLimitBytes ?? 25 * 1024 * 1024,
      now,
    };
    const linkHeaders = options?.linkHeaders;
    const signer = createLinkSigner({
      host: () => context.host(),
      lifetimeMs: (options?.linkLifetimeSeconds ?? 900) * 1000,
      now,
    });
    const registry: Registry = new StatementRegistry(
      {
        resultLifetimeMs: (options?.resultLifetimeSeconds ?? 3600) * 1000,
        maxRetainedBytes: options?.maxRetainedBytes ?? 512 * 1024 * 1024,
      },
      now,
    );
    const linkRequests: LinkRequestRecord[] = [];
    const running = new Set<Promise<void>>();

    const find = (id: string | undefined): Statement => {
      const statement = id ? registry.get(id) : undefined;
      if (!statement)
        throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Statement ${id ?? ''} does not exist.`);
      return statement;
    };
    const respond = (statement: Statement) => statementResponseOf(statement, signer, linkHeaders);

    const state: LocalStatementExecution = {
      statements: () =>
        registry.all().map((statement) => ({
          id: statement.id,
          statement: statement.request.statement,
          state: statement.state,
          disposition: statement.request.disposition,
          format: statement.request.format,
          chunks: statement.chunks.length,
          rows: statement.totalRows,
        })),
      linkRequests,
      expireLinks: () => signer.revokeIssued(),
    };

    return {
      state,
      routes: [
        {
          method: 'POST',
          path: STATEMENTS_PATH,
          name: 'statements',
          handle: async (request) => {
            const parsed = parseExecuteRequest(request.body, context.ids.warehouseId);
            const statement = new Statement(parsed, now());
            registry.add(statement);
            const run = statement.run(context.engine, settings);
            running.add(run);
            void run.finally(() => running.delete(run));
            if (parsed.waitTimeoutSeconds > 0) {
              const timer = new AbortController();
              const onGone = () => timer.abort();
              request.signal.addEventListener('abort', onGone, { once: true });
              await Promise.race([
                statement.done,
                sleep(parsed.waitTimeoutSeconds * 1000, undefined, { signal: timer.signal }).catch(
                  () => {},
                ),
              ]);
              timer.abort();
              request.signal.removeEventListener('abort', onGone);
              if (!statement.terminal && parsed.onWaitTimeout === 'CANCEL') {
                statement.cancel(
                  now(),
                  'The statement was cancelled: it did not finish within wait_timeout.',
                );
              }
            }
            return respond(statement);
          },
        },
        {
          method: 'GET',
          path: `${STATEMENTS_PATH}/:id`,
          name: 'statements',
          body: 'none',
          handle: (request) => respond(find(request.params.id)),
        },
        {
          method: 'GET',
          path: `${STATEMENTS_PATH}/:id/result/chunks/:index`,
          name: 'statements',
          body: 'none',
          handle: (request) => {
            const statement = find(request.params.id);
            if (statement.state !== 'SUCCEEDED') {
              throw new ApiError(
                400,
                'BAD_REQUEST',
                `Statement ${statement.id} has no result to fetch: its state is ${statement.state}.`,
              );
            }
            const index = Number(request.params.index);
            if (!Number.isInteger(index) || index < 0) {
              throw new ApiError(
                400,
                'INVALID_PARAMETER_VALUE',
                `Invalid chunk index ${request.params.index}.`,
              );
            }
            return resultDataOf(statement, index, signer, linkHeaders);
          },
        },
        {
          method: 'POST',
          path: `${STATEMENTS_PATH}/:id/cancel`,
          name: 'statements',
          handle: (request) => {
            find(request.params.id).cancel(now());
            return {};
          },
        },
        {
          method: ['GET', 'HEAD'],
          path: `${LINK_PREFIX}:id/chunks/:index`,
          name: 'statement-links',
          // The signed URL is the credential; checked below, never a workspace token.
          auth: 'none',
          body: 'none',
          handle: (request) => {
            const statementId = request.params.id ?? '';
            const chunkIndex = Number(request.params.index);
            const response = request.response;
            const authorization = request.incoming.headers.authorization !== undefined;
            const answer = (status: number, body: Buffer | string, contentType: string) => {
              linkRequests.push({ statementId, chunkIndex, authorization, status });
              response.writeHead(status, {
                'content-type': contentType,
                'content-length': Buffer.byteLength(body),
              });
              response.end(request.method === 'HEAD' ? undefined : body);
            };
            const fail = (status: number, code: string, message: string) =>
              answer(status, s3ErrorXml(code, message), 'application/xml');
            if (authorization) {
              return fail(
                400,
                'InvalidArgument',
                'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
              );
            }
            const check = signer.verify(statementId, chunkIndex, request.query);
            if (!check.ok) return fail(check.status, check.code, check.message);
            for (const [name, value] of Object.entries(linkHeaders ?? {})) {
              if (request.incoming.headers[name.toLowerCase()] !== value) {
                return fail(403, 'AccessDenied', `The request must carry the header ${name}.`);
              }
            }
            const statement = registry.get(statementId);
            const bytes = statement?.chunks[chunkIndex]?.bytes;
            if (!statement || !bytes) {
              return fail(404, 'NoSuchKey', 'The specified key does not exist.');
            }
            const contentType =
              statement.request.format === 'ARROW_STREAM'
                ? 'application/vnd.apache.arrow.stream'
                : statement.request.format === 'CSV'
                  ? 'text/csv'
                  : 'application/json';
            return answer(200, bytes, contentType);
          },
        },
      ],
      stop: async () => {
        registry.closeAll();
        // Cancelled statements end quickly; a query the engine could not interrupt yet (cancelled
        // before it started) is not waited for.
        await Promise.race([Promise.allSettled([...running]), sleep(2_000)]);
      },
    };
  },
});
