/**
 * Options and inspectable state of the local Genie service (`ws.genie`).
 */

/** A Genie space: the tables it answers from and what guides its SQL. */
export interface GenieSpaceDefinition {
  /** Default: a random 32-hex id, like Databricks'. */
  id?: string;
  title: string;
  description?: string;
  /** Unity Catalog tables (`catalog.schema.table`) the space may query. */
  tables: string[];
  /** General instructions given to the model (business terms, conventions). */
  instructions?: string;
  /** Questions shown as suggestions (and offered as follow-ups). */
  sampleQuestions?: string[];
  /** Example question/SQL pairs given to the model. */
  exampleSql?: { question: string; sql: string }[];
  /** The chat endpoint of the serving service that writes the SQL. Default: the service's. */
  servingEndpoint?: string;
  /** The warehouse shown as the space's. Default: the workspace's. */
  warehouseId?: string;
}

export interface GenieRateLimit {
  /** Questions (new conversations and follow-ups) per window for the whole workspace. Default 5. */
  questionsPerMinute?: number;
  /** The window, in ms. Default 60 000 (a minute). */
  windowMs?: number;
}

export interface GenieOptions {
  /** Spaces that exist from the start (more can be created with `POST /api/2.0/genie/spaces`). */
  spaces?: GenieSpaceDefinition[];
  /** The chat endpoint used by spaces that name none. Default `databricks-genie`. */
  servingEndpoint?: string;
  /**
   * Genie's per-workspace question rate limit: 429 `REQUEST_LIMIT_EXCEEDED` with `Retry-After`
   * beyond it. Default 5 questions per minute, as Databricks documents; `false` turns it off.
   */
  rateLimit?: GenieRateLimit | false;
  /** Rows kept per query result (the rest is reported `truncated`). Default 5 000. */
  maxResultRows?: number;
  /**
   * After the query runs, ask the model for a text summary of the rows (a second model call), as
   * Genie answers with text. `false` skips it: the answer is the query and its rows. Default true.
   */
  summary?: boolean;
  /** Extra time each state (FETCHING_METADATA, ASKING_AI, ...) lasts, in ms. Default 0. */
  stepDelayMs?: number;
  /** How many times the model may fix SQL that failed before the message fails. Default 1. */
  maxRepairs?: number;
  /** Clock (tests). Default `Date.now`. */
  now?: () => number;
}

/** A summary of one space, for tests and tools. */
export interface GenieSpaceView {
  id: string;
  title: string;
  description?: string;
  tables: string[];
  instructions?: string;
  sampleQuestions: string[];
  servingEndpoint: string;
  warehouseId: string;
}

/** A summary of one message, for tests and tools. */
export interface GenieMessageView {
  spaceId: string;
  conversationId: string;
  messageId: string;
  content: string;
  status: string;
  /** Every state the message went through, in order. */
  statuses: string[];
  sql?: string;
  error?: { error: string; type: string };
  /** Model calls made for this message (SQL, repairs, summary). */
  modelCalls: number;
  /** When it was submitted and last changed (ms since the epoch): its own work is the difference. */
  createdAt: number;
  updatedAt: number;
}

export interface LocalGenie {
  /** Creates a space (as `POST /api/2.0/genie/spaces` would). */
  createSpace(definition: GenieSpaceDefinition): GenieSpaceView;
  space(id: string): GenieSpaceView | undefined;
  spaces(): GenieSpaceView[];
  deleteSpace(id: string): boolean;
  /** Every message of a space (or of all spaces), oldest first. */
  messages(spaceId?: string): GenieMessageView[];
  /** Waits until a message is final and returns its view. */
  waitForMessage(conversationId: string, messageId: string): Promise<GenieMessageView>;
  /** Replaces the rate limit (`false`: none). Clears the questions counted so far. */
  setRateLimit(limit: GenieRateLimit | false): void;
  /** Questions accepted so far, and refused with 429. */
  readonly questionCount: number;
  readonly rejectedQuestionCount: number;
  /** Marks a message's query result as expired (`QUERY_RESULT_EXPIRED`), as after a day. */
  expireQueryResult(conversationId: string, messageId: string): void;
  /** Deletes every space, conversation and message. */
  reset(): void;
}
