/**
 * Errors of @lakechain/databricks-sql.
 *
 * The `@databricks/sql` driver throws objects that are not `Error`s: its `StatusError` (every SQL
 * error returned in a Thrift status) prints as "[object Object]", which is what LangChain's
 * `query-sql` tool would hand to the model. Everything that leaves this package goes through
 * `toDatabricksSqlError`, which makes a real `Error` whose message carries the Databricks error
 * class, the text and a hint the model can act on.
 */
import {
  classifyNetworkError,
  classifyStatus,
  type FailureClass,
  hasErrorMarker,
  LakechainError,
  mayReplay,
  parseRetryAfter,
  type ReplayClass,
} from '@lakechain/core';

const sqlMarker = 'lakechain.error.databricks-sql';
const sqlSymbol = Symbol.for(sqlMarker);
const guardMarker = 'lakechain.error.sql-guard';
const guardSymbol = Symbol.for(guardMarker);

/** What went wrong, coarsely, for code that branches on it. */
export type DatabricksSqlErrorKind =
  /** The warehouse rejected or failed the statement (syntax, missing table, runtime error). */
  | 'sql'
  /** Cancelled by an AbortSignal or by `close()`. */
  | 'canceled'
  /** `queryTimeout` elapsed; the statement was cancelled on the warehouse. */
  | 'timeout'
  /** The request never got an answer, or retries were exhausted. */
  | 'connection'
  /** Authentication failed. */
  | 'auth'
  /** Anything else (a driver bug, an unexpected reply). */
  | 'unknown';

export interface DatabricksSqlErrorOptions {
  kind?: DatabricksSqlErrorKind;
  errorClass?: string;
  sqlState?: string;
  /** The driver's error code (`CANCELED`, `ATTEMPTS_EXCEEDED`, a Thrift status code ...). */
  driverCode?: string;
  statement?: string;
  retryable?: boolean;
  cause?: unknown;
}

/**
 * A statement failed on Databricks, or could not be sent. Always a real `Error`.
 *
 * `errorClass` and `sqlState` are parsed from Databricks messages such as
 * `[TABLE_OR_VIEW_NOT_FOUND] The table or view \`x\` cannot be found. ... SQLSTATE: 42P01`.
 */
export class DatabricksSqlError extends LakechainError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: marker read by isInstance()
  private readonly [sqlSymbol] = true;
  readonly kind: DatabricksSqlErrorKind;
  /** Databricks error class, e.g. `TABLE_OR_VIEW_NOT_FOUND` or `UNRESOLVED_COLUMN.WITH_SUGGESTION`. */
  readonly errorClass?: string;
  /** Five-character SQLSTATE, e.g. `42P01`. */
  readonly sqlState?: string;
  readonly driverCode?: string;
  /** The statement that failed (truncated to 2 000 characters). */
  readonly statement?: string;
  readonly retryable: boolean;

  constructor(message: string, options: DatabricksSqlErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'DatabricksSqlError';
    this.kind = options.kind ?? 'sql';
    this.errorClass = options.errorClass;
    this.sqlState = options.sqlState;
    this.driverCode = options.driverCode;
    this.statement =
      options.statement && options.statement.length > 2000
        ? `${options.statement.slice(0, 2000)}...`
        : options.statement;
    this.retryable = options.retryable ?? false;
  }

  static override isInstance(error: unknown): error is DatabricksSqlError {
    return hasErrorMarker(error, sqlMarker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      kind: this.kind,
      errorClass: this.errorClass,
      sqlState: this.sqlState,
      driverCode: this.driverCode,
      retryable: this.retryable,
    };
  }
}

/**
 * The read-only guard refused a statement before it reached the warehouse. The message says why
 * and how to opt out.
 */
export class SqlGuardError extends LakechainError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: marker read by isInstance()
  private readonly [guardSymbol] = true;
  /**
   * Short machine-readable reason: `multiple-statements`, `write-keyword`, `lex-error`,
   * `side-effect-function`, `function-not-allowed`, ...
   */
  readonly reason: string;
  /** Offset in the statement where the problem was found, when known. */
  readonly offset?: number;
  readonly statement: string;
  /** For a refused function call: the function, e.g. `secret` or `system.ai.python_exec`. */
  readonly functionName?: string;
  /** For a refused function call: its category (`secrets`, `ai`, ..., `not-allowlisted`). */
  readonly category?: string;

  constructor(
    message: string,
    options: {
      reason: string;
      statement: string;
      offset?: number;
      functionName?: string;
      category?: string;
    },
  ) {
    super(message);
    this.name = 'SqlGuardError';
    this.reason = options.reason;
    this.offset = options.offset;
    this.statement = options.statement;
    this.functionName = options.functionName;
    this.category = options.category;
  }

  static override isInstance(error: unknown): error is SqlGuardError {
    return hasErrorMarker(error, guardMarker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      reason: this.reason,
      offset: this.offset,
      functionName: this.functionName,
      category: this.category,
    };
  }
}

const ERROR_CLASS_RE = /\[([A-Z][A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*)*)\]/;
const SQLSTATE_RE = /SQLSTATE:\s*([0-9A-Z]{5})\b/;

/** Pulls `[ERROR_CLASS]` and `SQLSTATE: xxxxx` out of a Databricks error message. */
export function parseDatabricksMessage(message: string): {
  errorClass?: string;
  sqlState?: string;
} {
  return {
    errorClass: ERROR_CLASS_RE.exec(message)?.[1],
    sqlState: SQLSTATE_RE.exec(message)?.[1],
  };
}

/** A sentence telling the model how to fix its SQL, for the error classes it meets most. */
function hintFor(errorClass: string | undefined): string | undefined {
  if (!errorClass) return undefined;
  const base = errorClass.split('.')[0];
  switch (base) {
    case 'TABLE_OR_VIEW_NOT_FOUND':
      return 'Use only the tables listed by the database (list-tables-sql), with three-level names `catalog`.`schema`.`table` or the names shown in the table info.';
    case 'UNRESOLVED_COLUMN':
    case 'UNRESOLVED_FIELD':
      return 'Use only the columns shown in the table info; check the table alias.';
    case 'PARSE_SYNTAX_ERROR':
      return 'Fix the syntax: this is Databricks SQL (Spark SQL), identifiers are quoted with backticks.';
    case 'UNRESOLVED_ROUTINE':
      return 'That function does not exist in Databricks SQL; use a Spark SQL built-in function.';
    case 'DATATYPE_MISMATCH':
    case 'CAST_INVALID_INPUT':
      return 'Cast the values to matching types (CAST(x AS type) or try_cast).';
    case 'DIVIDE_BY_ZERO':
      return 'Guard the division with NULLIF(divisor, 0) or use try_divide.';
    case 'MISSING_AGGREGATION':
      return 'Add the column to GROUP BY or wrap it in an aggregate function.';
    default:
      return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value != null && typeof value === 'object';
}

function stringField(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

const OPERATION_STATE_CODES = new Set(['CANCELED', 'CLOSED', 'ERROR', 'TIMEOUT', 'UNKNOWN']);
const RETRY_CODES = new Set(['ATTEMPTS_EXCEEDED', 'TIMEOUT_EXCEEDED']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/**
 * Converts anything the driver (or Thrift, or node-fetch) throws into a `DatabricksSqlError`.
 * Lakechain errors pass through unchanged. With `replay` (what running the statement again would
 * do) and `failure` (what the failure proves, `classifyStatementFailure`), a connection error is
 * `retryable` only when core's `mayReplay` allows a replay.
 */
export function toDatabricksSqlError(
  error: unknown,
  context: { statement?: string; replay?: ReplayClass; failure?: FailureClass } = {},
): LakechainError {
  if (LakechainError.isInstance(error)) return error;
  const statement = context.statement;

  if (!isObject(error)) {
    const text = error === undefined ? 'unknown error' : String(error);
    return new DatabricksSqlError(`Databricks SQL failed: ${text}`, {
      kind: 'unknown',
      statement,
      cause: error,
    });
  }

  const name = stringField(error, 'name');
  const errorCode = error.errorCode;
  const codeStr = typeof errorCode === 'string' ? errorCode : undefined;

  // OperationStateError (extends Error): errorCode CANCELED | CLOSED | ERROR | TIMEOUT | UNKNOWN,
  // response = TGetOperationStatusResp with displayMessage / errorMessage / sqlState.
  if (codeStr && OPERATION_STATE_CODES.has(codeStr)) {
    const response = isObject(error.response) ? error.response : {};
    const text =
      stringField(response, 'displayMessage') ??
      stringField(response, 'errorMessage') ??
      stringField(error, 'message') ??
      `operation ${codeStr.toLowerCase()}`;
    const parsed = parseDatabricksMessage(text);
    const kind: DatabricksSqlErrorKind =
      codeStr === 'CANCELED' || codeStr === 'CLOSED'
        ? 'canceled'
        : codeStr === 'TIMEOUT'
          ? 'timeout'
          : 'sql';
    return buildSqlError(text, {
      kind,
      errorClass: parsed.errorClass,
      sqlState: stringField(response, 'sqlState') ?? parsed.sqlState,
      driverCode: codeStr,
      statement,
      cause: error,
    });
  }

  // RetryError (extends Error): errorCode ATTEMPTS_EXCEEDED | TIMEOUT_EXCEEDED.
  if (codeStr && RETRY_CODES.has(codeStr)) {
    const payload = error.payload;
    let detail = '';
    if (isObject(payload)) {
      const status = payload.status;
      const statusText = stringField(payload, 'statusText');
      const message = stringField(payload, 'message');
      if (typeof status === 'number')
        detail = ` Last response: HTTP ${status}${statusText ? ` ${statusText}` : ''}.`;
      else if (message) detail = ` Last error: ${message}.`;
    }
    return new DatabricksSqlError(
      `Databricks SQL request failed: retries exhausted (${codeStr}).${detail} The warehouse may be starting, overloaded or unreachable; try again later.`,
      { kind: 'connection', driverCode: codeStr, statement, retryable: true, cause: error },
    );
  }

  // AuthenticationError (extends HiveDriverError).
  if (name === 'AuthenticationError') {
    return new DatabricksSqlError(
      `Databricks SQL authentication failed: ${stringField(error, 'message') ?? 'no detail'}`,
      { kind: 'auth', statement, cause: error },
    );
  }

  // HTTP errors from the Thrift transport ("Received a response with a bad HTTP status code: 401").
  const messageText = stringField(error, 'message') ?? '';
  const httpStatus =
    typeof error.statusCode === 'number'
      ? error.statusCode
      : Number(/bad HTTP status code:?\s*(\d{3})/i.exec(messageText)?.[1] ?? Number.NaN);
  if (Number.isFinite(httpStatus)) {
    const status = httpStatus as number;
    if (status === 401 || status === 403) {
      return new DatabricksSqlError(
        `Databricks rejected the credentials (HTTP ${status}). Check the token, service principal or profile, and that it may use this SQL warehouse.`,
        { kind: 'auth', driverCode: String(status), statement, cause: error },
      );
    }
    if (status === 404) {
      return new DatabricksSqlError(
        'The SQL warehouse or cluster was not found (HTTP 404). Check warehouseId, clusterId or httpPath.',
        { kind: 'connection', driverCode: '404', statement, cause: error },
      );
    }
    const failure = context.failure ?? classifyStatus(status);
    const retryable =
      context.replay === undefined
        ? status === 429 || status >= 500
        : mayReplay(failure, context.replay);
    return new DatabricksSqlError(
      `The Databricks SQL endpoint answered HTTP ${status}${retryable ? '; try again later' : ''}.${replayHint(context.replay, failure, retryable)}`,
      {
        kind: 'connection',
        driverCode: String(status),
        statement,
        retryable,
        cause: error,
      },
    );
  }

  // Network errors from node-fetch / node:net.
  const sysCode = typeof error.code === 'string' ? error.code : undefined;
  if (sysCode && NETWORK_CODES.has(sysCode)) {
    const failure = context.failure ?? classifyNetworkError(sysCode, messageText);
    const retryable = context.replay === undefined ? true : mayReplay(failure, context.replay);
    return new DatabricksSqlError(
      `Could not reach the Databricks SQL warehouse (${sysCode}): ${messageText}`.trim() +
        replayHint(context.replay, failure, retryable),
      { kind: 'connection', driverCode: sysCode, statement, retryable, cause: error },
    );
  }

  // StatusError (NOT an Error; name 'Status Error', message = TStatus.errorMessage, numeric code),
  // Thrift exceptions, and plain Errors.
  const text =
    stringField(error, 'message') ?? stringField(error, 'errorMessage') ?? safeJson(error);
  const parsed = parseDatabricksMessage(text);
  const driverCode =
    typeof error.code === 'number' || typeof error.code === 'string'
      ? String(error.code)
      : undefined;
  return buildSqlError(text, {
    kind: 'sql',
    errorClass: parsed.errorClass,
    sqlState: stringField(error, 'sqlState') ?? parsed.sqlState,
    driverCode,
    statement,
    cause: error,
  });
}

/** Why a connection failure of a statement that may have run was not replayed. */
function replayHint(
  replay: ReplayClass | undefined,
  failure: FailureClass,
  retryable: boolean,
): string {
  if (retryable || replay !== 'unsafe' || failure !== 'interrupted') return '';
  return (
    ' Not retried: the statement may have run, and running it again is not known to be safe ' +
    '(only statements the read-only guard accepts are replayed).'
  );
}

function buildSqlError(text: string, options: DatabricksSqlErrorOptions): DatabricksSqlError {
  let message = text.trim();
  if (options.kind === 'timeout' && !/timeout|timed out/i.test(message)) {
    message = `Query timed out and was cancelled on the warehouse: ${message}`;
  }
  if (options.kind === 'sql' && !message.startsWith('[') && !options.errorClass) {
    message = `Databricks SQL error: ${message}`;
  }
  if (options.errorClass && options.sqlState && !SQLSTATE_RE.test(message)) {
    message = `${message} SQLSTATE: ${options.sqlState}`;
  }
  const hint = hintFor(options.errorClass);
  if (hint) message = `${message}\nHint: ${hint}`;
  return new DatabricksSqlError(message, options);
}

function safeJson(value: unknown): string {
  try {
    const json = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    return json && json !== '{}' ? json : Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** True when the error says the session (or its handle) is gone and a new session may help. */
export function isSessionGoneError(error: unknown): boolean {
  if (!isObject(error)) return false;
  const text = `${stringField(error, 'message') ?? ''} ${stringField(error, 'errorMessage') ?? ''}`;
  return /INVALID_HANDLE|invalid session|session ?handle|SESSION_(?:NOT_FOUND|CLOSED|EXPIRED|ALREADY_CLOSED)|session (?:is |was |has been )?(?:closed|expired|not found)|no such session/i.test(
    text,
  );
}

/** What a failed statement attempt proves (core's `FailureClass`) and the wait it asked for. */
export interface StatementFailure {
  failure: FailureClass;
  /** The warehouse's `Retry-After`, in ms, when it sent one. */
  retryAfterMs?: number;
}

/**
 * What a failed attempt at running a statement proves, from what the driver threw (directly or
 * as the `cause` of a `DatabricksSqlError`). During `submit` (ExecuteStatement, which the driver
 * never retries): 503 or 429 is `'refused'` (the statement did not run), a connection that could
 * not be made is `'not-sent'`, a reset or broken connection and 500/502/504 are `'interrupted'`
 * (it may have run). During `fetch` the statement has run, so every transient failure, the
 * driver giving up on a status or fetch call included, is `'interrupted'`. SQL errors,
 * cancellations and the rest are `'final'`.
 */
export function classifyStatementFailure(
  error: unknown,
  phase: 'submit' | 'fetch',
): StatementFailure {
  let raw = error;
  if (LakechainError.isInstance(error)) {
    // Our own errors: only a connection failure (its driver error as cause) may be transient.
    if (!DatabricksSqlError.isInstance(error) || error.kind !== 'connection') {
      return { failure: 'final' };
    }
    raw = error.cause;
  }
  if (!isObject(raw) || isSessionGoneError(raw)) return { failure: 'final' };
  let result: StatementFailure = { failure: 'final' };
  const message = stringField(raw, 'message') ?? '';
  const status =
    typeof raw.statusCode === 'number'
      ? raw.statusCode
      : Number(/bad HTTP status code:?\s*(\d{3})/i.exec(message)?.[1] ?? Number.NaN);
  if (typeof raw.errorCode === 'string' && RETRY_CODES.has(raw.errorCode)) {
    // The driver gave up on an RPC it retries (status polls, fetches, closes): the statement's
    // outcome is unknown.
    result = { failure: 'interrupted' };
  } else if (Number.isFinite(status)) {
    const response = isObject(raw.response) ? raw.response : undefined;
    const headers = response?.headers as { get?(name: string): unknown } | undefined;
    const header = headers?.get?.('retry-after');
    result = {
      failure: classifyStatus(status),
      retryAfterMs: parseRetryAfter(typeof header === 'string' ? header : undefined, Date.now()),
    };
  } else {
    const code = typeof raw.code === 'string' ? raw.code : undefined;
    result = { failure: classifyNetworkError(code, message) };
  }
  if (phase === 'fetch' && result.failure !== 'final') {
    return { failure: 'interrupted', retryAfterMs: result.retryAfterMs };
  }
  return result;
}
