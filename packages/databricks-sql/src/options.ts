/**
 * Options of `DatabricksSqlDatabase.fromDatabricks`, validated with zod. Options this package
 * does not know (auth: `clientId`, `clientSecret`, `profile`, `authType`, ...) pass through to
 * `@lakechain/core`'s `resolveConfig`, which validates them in turn.
 */
import { DatabricksConfigError, type DatabricksConfigOptions } from '@lakechain/core';
import { z } from 'zod';
import type { SqlClientLike, SqlSessionLike } from './connection.js';
import { type FunctionsMode, type GuardOptions, parseAllowEntry } from './function_policy.js';
import {
  type StatementExecutionSettings,
  statementExecutionSchema,
} from './statement_execution/settings.js';

/**
 * Options of `DatabricksSqlDatabase.fromDatabricks`. Auth and workspace options (`host`, `token`,
 * `clientId`/`clientSecret`, `profile`, `authType`, `caCert`, ...) are `@lakechain/core`'s and
 * resolve from options, then environment, then `~/.databrickscfg`, as everywhere in lakechain.
 */
export interface DatabricksSqlDatabaseOptions extends DatabricksConfigOptions {
  /** SQL warehouse id (path `/sql/1.0/warehouses/<id>`). Env `DATABRICKS_WAREHOUSE_ID`. */
  warehouseId?: string;
  /** All-purpose cluster id (path `/sql/protocolv1/o/0/<id>`). Env `DATABRICKS_CLUSTER_ID`. */
  clusterId?: string;
  /** Full HTTP path of the warehouse or cluster; wins over `warehouseId` / `clusterId`. */
  httpPath?: string;
  /** Unity Catalog catalog. Default `main`. */
  catalog?: string;
  /** Schema (database) whose tables the model sees. Default `default`. */
  schema?: string;
  /** Only these tables (unqualified names). Exclusive with `ignoreTables`. */
  includeTables?: string[];
  /** All tables but these. Exclusive with `includeTables`. */
  ignoreTables?: string[];
  /** Sample rows per table in `getTableInfo()`. Default 3; 0 disables them. */
  sampleRowsInTableInfo?: number;
  /** Text shown before a table's DDL, by table name. */
  customDescription?: Record<string, string>;
  /** Longest string value shown to the model (results and sample rows). Default 300. */
  maxStringLength?: number;
  /** Rows returned to the model by `run()`. Default 100. */
  maxRows?: number;
  /** Seconds before a statement is cancelled on the warehouse. Default: no limit. */
  queryTimeout?: number;
  /**
   * Retries of a statement the warehouse refused with HTTP 503 or 429 (starting, throttling: it
   * did not run), or of a read interrupted after it may have run (a reset connection, HTTP 5xx).
   * Default 10, none started after 2 minutes, with backoff or the server's `Retry-After`.
   */
  statementRetries?: number;
  /** Refuse anything but a single read statement. Default true. */
  readOnly?: boolean;
  /**
   * Which functions a read may call (with `readOnly`). `'denylist'` (default) refuses functions
   * that read secrets, call models, read storage, streams or the network, or run JVM/Python code;
   * `'builtin-safe'` allows only built-ins that compute on their arguments (for agents).
   */
  functions?: FunctionsMode;
  /**
   * Functions to allow anyway, by name as queries write them: `['ai_query']`,
   * `['main.tools.lookup']`, `['main.tools.*']`. `'read_files'` also allows ``parquet.`path` ``.
   */
  allowFunctions?: string[];
  /** How long table metadata stays cached, in ms. Default 5 minutes. */
  cacheTtlMs?: number;
  /** Spark confs for the session (e.g. `{ STATEMENT_TIMEOUT: '60' }`). */
  sessionConfiguration?: Record<string, string>;
  /** A connected `DBSQLClient` to use (it stays open after `close()`). */
  client?: SqlClientLike;
  /** An open session to use as-is (not reopened, not closed). */
  session?: SqlSessionLike;
  /**
   * How statements reach the warehouse: `'thrift'` (default; the `@databricks/sql` driver, Node
   * only) or `'rest'` (the SQL Statement Execution API over `fetch`; any runtime, and the only
   * one of `@lakechain/databricks-sql/rest`).
   */
  transport?: 'thrift' | 'rest';
  /** Settings of the `'rest'` transport (see `StatementExecutionSettings`). */
  statementExecution?: StatementExecutionSettings;
}

/**
 * The options' schema, built on the first `parseSqlOptions` call rather than when the package is
 * imported (zod builds every check object up front).
 */
let optionsSchema: ReturnType<typeof buildOptionsSchema> | undefined;

function buildOptionsSchema() {
  const name = (what: string) =>
    z
      .string({ error: `expected ${what}` })
      .trim()
      .min(1, { error: `expected a non-empty ${what}` });
  const tableList = z
    .array(name('table name'), { error: 'expected an array of table names' })
    .optional();
  const positiveInt = (what: string) =>
    z
      .number({ error: `expected ${what}` })
      .int({ error: `expected an integer (${what})` })
      .min(1, { error: `expected at least 1 (${what})` });
  const object = (what: string) =>
    z.custom<object>((v) => v !== null && typeof v === 'object', { error: `expected ${what}` });

  return z
    .looseObject({
      warehouseId: name('warehouse id').optional(),
      clusterId: name('cluster id').optional(),
      httpPath: name('HTTP path').optional(),
      catalog: name('catalog name').optional(),
      schema: name('schema name').optional(),
      includeTables: tableList,
      ignoreTables: tableList,
      sampleRowsInTableInfo: z
        .number({ error: 'expected a number of rows' })
        .int({ error: 'expected an integer number of rows' })
        .min(0, { error: 'expected 0 or more rows' })
        .max(100, { error: 'expected at most 100 rows' })
        .optional(),
      customDescription: z
        .record(z.string(), z.string(), { error: 'expected an object of table name → text' })
        .optional(),
      maxStringLength: positiveInt('a length in characters').optional(),
      maxRows: positiveInt('a number of rows').optional(),
      queryTimeout: z
        .number({ error: 'expected seconds' })
        .positive({ error: 'expected a positive number of seconds' })
        .optional(),
      statementRetries: z
        .number({ error: 'expected a number of retries' })
        .int({ error: 'expected a whole number of retries' })
        .min(0, { error: 'expected 0 or more retries' })
        .max(20, { error: 'expected at most 20 retries' })
        .optional(),
      readOnly: z.boolean({ error: 'expected true or false' }).optional(),
      functions: z
        .enum(['denylist', 'builtin-safe'], { error: "expected 'denylist' or 'builtin-safe'" })
        .optional(),
      allowFunctions: z
        .array(
          z
            .string({ error: 'expected function names' })
            .refine((entry) => parseAllowEntry(entry) !== undefined, {
              error: (issue) =>
                `${JSON.stringify(issue.input)} is not a function name; write names as queries do: 'ai_query', 'main.tools.lookup', 'main.tools.*'`,
            }),
          { error: 'expected an array of function names' },
        )
        .optional(),
      caCert: z.string({ error: 'expected a PEM string' }).optional(),
      cacheTtlMs: z.number({ error: 'expected milliseconds' }).min(0).optional(),
      sessionConfiguration: z
        .record(z.string(), z.string(), { error: 'expected an object of string confs' })
        .optional(),
      client: object('a connected DBSQLClient').optional(),
      session: object('an open DBSQLSession').optional(),
      transport: z.enum(['thrift', 'rest'], { error: "expected 'thrift' or 'rest'" }).optional(),
      statementExecution: statementExecutionSchema().optional(),
    })
    .superRefine((value, ctx) => {
      if (value.includeTables?.length && value.ignoreTables?.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['includeTables'],
          message: 'includeTables and ignoreTables cannot be used together; pass only one',
        });
      }
      if (value.warehouseId && value.clusterId && !value.httpPath) {
        ctx.addIssue({
          code: 'custom',
          path: ['clusterId'],
          message: 'pass either warehouseId or clusterId, not both',
        });
      }
    });
}

export interface ResolvedSqlOptions {
  catalog: string;
  schema: string;
  includeTables: string[];
  ignoreTables: string[];
  sampleRowsInTableInfo: number;
  customDescription?: Record<string, string>;
  maxStringLength: number;
  maxRows: number;
  queryTimeout?: number;
  readOnly: boolean;
  /** The guard's function policy (used when `readOnly`). */
  guard: GuardOptions;
  cacheTtlMs: number;
  /** Everything else, for the connection and core auth. */
  connection: DatabricksSqlDatabaseOptions;
}

export const DEFAULTS = {
  catalog: 'main',
  schema: 'default',
  sampleRowsInTableInfo: 3,
  maxStringLength: 300,
  maxRows: 100,
  cacheTtlMs: 5 * 60_000,
} as const;

/** Validates options; the first problem becomes a `DatabricksConfigError` naming the option. */
export function parseSqlOptions(options: unknown): ResolvedSqlOptions {
  optionsSchema ??= buildOptionsSchema();
  const result = optionsSchema.safeParse(options ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const option = issue.path.map(String).join('.') || 'options';
    throw new DatabricksConfigError(`Invalid option \`${option}\`: ${issue.message}.`, { option });
  }
  const v = result.data as DatabricksSqlDatabaseOptions;
  return {
    catalog: v.catalog ?? DEFAULTS.catalog,
    schema: v.schema ?? DEFAULTS.schema,
    includeTables: v.includeTables ?? [],
    ignoreTables: v.ignoreTables ?? [],
    sampleRowsInTableInfo: v.sampleRowsInTableInfo ?? DEFAULTS.sampleRowsInTableInfo,
    customDescription: v.customDescription,
    maxStringLength: v.maxStringLength ?? DEFAULTS.maxStringLength,
    maxRows: v.maxRows ?? DEFAULTS.maxRows,
    queryTimeout: v.queryTimeout,
    readOnly: v.readOnly ?? true,
    guard: { functions: v.functions ?? 'denylist', allowFunctions: v.allowFunctions ?? [] },
    cacheTtlMs: v.cacheTtlMs ?? DEFAULTS.cacheTtlMs,
    connection: v,
  };
}

/** Keys handled here; the rest goes to `@lakechain/core`. */
export const SQL_ONLY_KEYS = new Set([
  'warehouseId',
  'clusterId',
  'httpPath',
  'catalog',
  'schema',
  'includeTables',
  'ignoreTables',
  'sampleRowsInTableInfo',
  'customDescription',
  'maxStringLength',
  'maxRows',
  'queryTimeout',
  'statementRetries',
  'readOnly',
  'functions',
  'allowFunctions',
  'cacheTtlMs',
  'sessionConfiguration',
  'client',
  'session',
  'transport',
  'statementExecution',
]);

/** The options core understands: ours minus the SQL-only keys (the compute ids included). */
export function coreOptionsOf(options: DatabricksSqlDatabaseOptions): DatabricksConfigOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !SQL_ONLY_KEYS.has(key)) out[key] = value;
  }
  if (options.warehouseId) out.warehouseId = options.warehouseId;
  if (options.clusterId) out.clusterId = options.clusterId;
  return out as DatabricksConfigOptions;
}

/** The HTTP path from explicit options, else from the warehouse or cluster id. */
export function httpPathFor(options: {
  httpPath?: string;
  warehouseId?: string;
  clusterId?: string;
}): string | undefined {
  if (options.httpPath) {
    return options.httpPath.startsWith('/') ? options.httpPath : `/${options.httpPath}`;
  }
  if (options.warehouseId) return `/sql/1.0/warehouses/${encodeURIComponent(options.warehouseId)}`;
  if (options.clusterId) return `/sql/protocolv1/o/0/${encodeURIComponent(options.clusterId)}`;
  return undefined;
}
