/**
 * Typed errors of @lakechain/lakebase. Each carries a `Symbol.for` marker so `isInstance()` works
 * across duplicated copies of the package; messages say what happened and what to do, and never
 * contain a credential (Postgres passwords are Lakebase OAuth tokens).
 */
import {
  DatabricksApiError,
  DatabricksAuthError,
  DatabricksConnectionError,
  hasErrorMarker,
  LakechainError,
} from '@lakechain/core';

const lakebaseMarker = 'lakechain.error.lakebase';
const lakebaseSymbol = Symbol.for(lakebaseMarker);

/** Base class: anything @lakechain/lakebase throws on purpose. */
export class LakebaseError extends LakechainError {
  protected readonly [lakebaseSymbol] = true;
  /** The Lakebase instance concerned, when there is one. */
  readonly instanceName?: string;

  constructor(message: string, options: { instanceName?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'LakebaseError';
    this.instanceName = options.instanceName;
  }

  static override isInstance(error: unknown): error is LakebaseError {
    return hasErrorMarker(error, lakebaseMarker);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), instanceName: this.instanceName };
  }
}

const notFoundMarker = 'lakechain.error.lakebase.instance-not-found';
const notFoundSymbol = Symbol.for(notFoundMarker);

/** No Lakebase database instance by that name in the workspace. */
export class LakebaseInstanceNotFoundError extends LakebaseError {
  protected readonly [notFoundSymbol] = true;

  constructor(instanceName: string, options: { kind?: string; cause?: unknown } = {}) {
    const kind = options.kind ?? 'instance';
    const where =
      kind === 'instance'
        ? '(Compute > Database instances in the workspace UI, or GET /api/2.0/database/instances).'
        : '(GET /api/2.0/postgres/projects/<project>/branches/<branch>/endpoints lists the endpoints).';
    super(
      `Lakebase ${kind} "${instanceName}" does not exist in this workspace. Check the name ${where}`,
      {
        instanceName,
        cause: options.cause,
      },
    );
    this.name = 'LakebaseInstanceNotFoundError';
  }

  static override isInstance(error: unknown): error is LakebaseInstanceNotFoundError {
    return hasErrorMarker(error, notFoundMarker);
  }
}

const notAvailableMarker = 'lakechain.error.lakebase.instance-not-available';
const notAvailableSymbol = Symbol.for(notAvailableMarker);

/**
 * The instance (or autoscaling endpoint) exists but does not accept connections now: stopped,
 * starting, updating; an endpoint initialising or degraded.
 */
export class LakebaseInstanceNotAvailableError extends LakebaseError {
  protected readonly [notAvailableSymbol] = true;
  /** The instance's `state` (`STOPPED`, `STARTING`, `UPDATING`, ...). */
  readonly state: string;

  constructor(instanceName: string, state: string, options: { cause?: unknown } = {}) {
    const advice =
      state === 'STOPPED'
        ? 'Start it (PATCH /api/2.0/database/instances/{name} with {"stopped": false}, or the workspace UI) and retry.'
        : 'Wait until it is available (AVAILABLE; ACTIVE or IDLE for an autoscaling endpoint) and retry.';
    super(`Lakebase "${instanceName}" is ${state}, not available. ${advice}`, {
      instanceName,
      cause: options.cause,
    });
    this.name = 'LakebaseInstanceNotAvailableError';
    this.state = state;
  }

  static override isInstance(error: unknown): error is LakebaseInstanceNotAvailableError {
    return hasErrorMarker(error, notAvailableMarker);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), state: this.state };
  }
}

const permissionMarker = 'lakechain.error.lakebase.permission';
const permissionSymbol = Symbol.for(permissionMarker);

/**
 * The identity may not do this: the workspace refused a credential for the instance (no CAN_USE),
 * or PostgreSQL refused a statement for lack of privileges on the database or schema.
 */
export class LakebasePermissionError extends LakebaseError {
  protected readonly [permissionSymbol] = true;
  /** The Postgres role, when known. */
  readonly user?: string;

  constructor(
    message: string,
    options: { instanceName?: string; user?: string; cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'LakebasePermissionError';
    this.user = options.user;
  }

  static override isInstance(error: unknown): error is LakebasePermissionError {
    return hasErrorMarker(error, permissionMarker);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), user: this.user };
  }
}

const pgvectorMarker = 'lakechain.error.lakebase.pgvector-missing';
const pgvectorSymbol = Symbol.for(pgvectorMarker);

/** Semantic search needs the pgvector extension, and the database does not have it. */
export class LakebasePgvectorMissingError extends LakebaseError {
  protected readonly [pgvectorSymbol] = true;

  constructor(options: { instanceName?: string; cause?: unknown } = {}) {
    super(
      'The pgvector extension is not available in this database, and LakebaseStore needs it for ' +
        'semantic search (`index`). Lakebase instances ship it: run `CREATE EXTENSION vector` as a ' +
        'role with CREATE on the database (databricks_superuser), or use the store without `index`.',
      options,
    );
    this.name = 'LakebasePgvectorMissingError';
  }

  static override isInstance(error: unknown): error is LakebasePgvectorMissingError {
    return hasErrorMarker(error, pgvectorMarker);
  }
}

const connectionMarker = 'lakechain.error.lakebase.connection';
const connectionSymbol = Symbol.for(connectionMarker);

/**
 * PostgreSQL could not be reached, refused the login, or went away during a query. What was
 * committed before stays committed; the statement that failed did not commit.
 */
export class LakebaseConnectionError extends LakebaseError {
  protected readonly [connectionSymbol] = true;
  /** PostgreSQL's SQLSTATE (`57P01`, `28000`...) or Node's code (`ECONNREFUSED`...), when known. */
  readonly code?: string;
  /** Whether retrying later can help (the server restarts, the network comes back). */
  readonly retryable: boolean;

  constructor(
    message: string,
    options: { instanceName?: string; code?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'LakebaseConnectionError';
    this.code = options.code;
    this.retryable = options.retryable ?? true;
  }

  static override isInstance(error: unknown): error is LakebaseConnectionError {
    return hasErrorMarker(error, connectionMarker);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), code: this.code, retryable: this.retryable };
  }
}

/** What a `pg` error looks like (`DatabaseError` from the server, or a Node socket error). */
interface PgLikeError {
  code?: unknown;
  message?: unknown;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as PgLikeError | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** SQLSTATE class 28: invalid authorization (a refused password is 28P01, or 28000 for RADIUS). */
export function isAuthenticationFailure(error: unknown): boolean {
  const code = codeOf(error);
  return code === '28P01' || code === '28000';
}

/** Node socket codes and SQLSTATEs that mean the server is gone or going away. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** Node's codes for a certificate that does not verify. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function isConnectionFailure(error: unknown): boolean {
  const code = codeOf(error);
  if (code && CONNECTION_CODES.has(code)) return true;
  const message = messageOf(error);
  return (
    /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error/i.test(
      message,
    ) || /The server does not support SSL connections/i.test(message)
  );
}

/**
 * Turns what `pg` or core threw into the typed error a caller can act on. Anything else (a SQL
 * error in a statement, a bug) is returned as it was.
 */
export function toLakebaseError(
  error: unknown,
  context: { instanceName?: string; user?: string; host?: string; port?: number } = {},
): unknown {
  if (LakebaseError.isInstance(error)) return error;
  const { instanceName, user } = context;
  const kind = instanceName?.startsWith('projects/') ? 'endpoint' : 'instance';
  const where = instanceName ? `Lakebase ${kind} "${instanceName}"` : 'Lakebase';
  const code = codeOf(error);
  const message = messageOf(error);
  if (
    DatabricksApiError.isInstance(error) ||
    DatabricksAuthError.isInstance(error) ||
    DatabricksConnectionError.isInstance(error)
  ) {
    return error;
  }
  if (code === '42501' || /permission denied/i.test(message)) {
    return new LakebasePermissionError(
      `${where}: PostgreSQL refused a statement for lack of privileges (${message}). ` +
        `Grant the role${user ? ` "${user}"` : ''} what it needs (for example CREATE on the database or USAGE and CREATE on the schema), or use a schema it owns.`,
      { instanceName, user, cause: error },
    );
  }
  if (
    /extension "vector"/i.test(message) &&
    /not available|could not open extension control file/i.test(message)
  ) {
    return new LakebasePgvectorMissingError({ instanceName, cause: error });
  }
  if (code && TLS_CODES.has(code)) {
    return new LakebaseConnectionError(
      `${where}: the server's TLS certificate could not be verified (${code}). Lakebase ` +
        'certificates chain to public roots; for a server behind a private CA pass `tls: { ca }`.',
      { instanceName, code, retryable: false, cause: error },
    );
  }
  if (isAuthenticationFailure(error)) {
    return new LakebaseConnectionError(
      `${where}: PostgreSQL refused the login${user ? ` of "${user}"` : ''} with a freshly minted credential. ` +
        'The role may be missing on the instance (create it for this identity), or the credential was revoked.',
      { instanceName, code, retryable: false, cause: error },
    );
  }
  if (isConnectionFailure(error)) {
    const target = context.host ? ` at ${context.host}:${context.port ?? 5432}` : '';
    return new LakebaseConnectionError(
      `${where}${target} is unreachable or went away (${code ?? message}). Statements that ` +
        'failed did not commit; what was committed before is kept. Retry once the instance is back.',
      { instanceName, code, retryable: true, cause: error },
    );
  }
  return error;
}
