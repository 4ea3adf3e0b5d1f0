/**
 * What a replay would do: the one classification, for every retry loop in lakechain, of whether a
 * failed call may be sent again. Two questions, answered here once:
 *
 * - what the request is: would executing it twice do something twice (`ReplayClass`)?
 * - what the failure proves: did the server refuse the request, or may it have processed it
 *   (`FailureClass`)?
 *
 * Core's transport applies it to REST calls; the model classes' caller in databricks-llm and
 * databricks-sql's statement retry read it for what they replay. See "Retries" in
 * docs/ARCHITECTURE.md.
 */

/**
 * Whether executing a request a second time is harmless.
 * - `'safe'`: a second execution changes nothing a caller could notice beyond its cost: HTTP's
 *   idempotent methods (GET, HEAD, PUT, DELETE), model invocations (chat, completions,
 *   embeddings), statements the read-only guard accepts.
 * - `'unsafe'`: a second execution may do something twice: a write statement, an MLflow create
 *   call, a registry mutation, any POST or PATCH not known to be safe.
 */
export type ReplayClass = 'safe' | 'unsafe';

/**
 * The replay class of each kind of request lakechain sends. Packages name the kind here rather
 * than deciding for themselves, so the rule is written once.
 */
export const REPLAY_CLASS = {
  /**
   * Chat, completions and embeddings invocations (and a cluster driver app's completion): a
   * second invocation costs tokens and changes nothing, which is why OpenAI's clients replay
   * every request, POST included, after a broken connection.
   */
  modelInvocation: 'safe',
  /** A statement the read-only guard accepts: a read, however often it runs. */
  readOnlyStatement: 'safe',
  /** Any other statement: it may write, and running it twice may write twice. */
  writeStatement: 'unsafe',
  /**
   * MLflow create calls (`CreateRun`, `CreateExperiment`, `StartTraceV3`, ...) and registry
   * mutations: a replay after a lost answer can create a second object. Replayable only where
   * the API makes them idempotent (a request id, or a lookup of what the first attempt made).
   */
  create: 'unsafe',
} as const satisfies Record<string, ReplayClass>;

/** What a failed attempt proves about the server's side. */
export type FailureClass =
  /** The request never reached the server (connection refused, DNS retry, connect timeout). */
  | 'not-sent'
  /** The server answered that it did not process the request (429, 503, 408). */
  | 'refused'
  /**
   * The request may have been processed: the connection broke or timed out before a complete
   * answer, or the server failed while handling it (500, 502, 504).
   */
  | 'interrupted'
  /** A replay would get the same answer (other statuses, TLS and DNS failures). */
  | 'final';

/** Node and undici error codes proving the request never reached the server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The connection broke while the request may have been processed. */
const INTERRUPTED_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ECONNABORTED',
]);

/**
 * Messages of broken connections that carry no code: undici's "other side closed", and
 * node-fetch's (the `@databricks/sql` driver's) "socket hang up" and "Premature close".
 */
const INTERRUPTED_MESSAGE = /other side closed|socket hang up|premature close/i;

/** HTTP's idempotent methods replay safely; POST and PATCH only when the caller says so. */
export function replayClassOfMethod(method: string): ReplayClass {
  const upper = method.toUpperCase();
  return upper === 'POST' || upper === 'PATCH' ? 'unsafe' : 'safe';
}

/** What an HTTP error status proves. */
export function classifyStatus(status: number): FailureClass {
  if (status === 429 || status === 503 || status === 408) return 'refused';
  if (status === 500 || status === 502 || status === 504) return 'interrupted';
  return 'final';
}

/**
 * What a network error proves, from its Node/undici code (`ECONNRESET`, ...) and, for errors that
 * have none, its message.
 */
export function classifyNetworkError(code: string | undefined, message = ''): FailureClass {
  if (code !== undefined && NOT_SENT_CODES.has(code)) return 'not-sent';
  if (code !== undefined && INTERRUPTED_CODES.has(code)) return 'interrupted';
  if (INTERRUPTED_MESSAGE.test(message)) return 'interrupted';
  return 'final';
}

/**
 * The rule: a request the server did not get or refused may always be sent again; one it may
 * have processed only when replaying it is safe; nothing else.
 */
export function mayReplay(failure: FailureClass, replay: ReplayClass): boolean {
  if (failure === 'not-sent' || failure === 'refused') return true;
  return failure === 'interrupted' && replay === 'safe';
}
