// Public API of @lakechain/genie: an explicit list.
export {
  answerText,
  defaultMessageProcessor,
  GenieAgent,
  GenieTool,
} from './agent.js';
export type { GenieAgentCallInput, GenieAgentInput, GenieAgentOutput } from './agent.js';
export { GenieClient, readAttachments } from './client.js';
export type {
  AskOptions,
  GenieAnswer,
  GenieAskStats,
  GenieCallOptions,
  GenieClientOptions,
} from './client.js';
export type { GenieAuthOptions, GenieClientRequest, GenieHttpClient } from './connection.js';
export {
  GenieError,
  GenieMessageError,
  GenieRateLimitError,
  GenieSpaceNotFoundError,
  GenieTimeoutError,
} from './errors.js';
export type { GenieErrorOptions, GenieErrorReason } from './errors.js';
export { TERMINAL_MESSAGE_STATUSES } from './types.js';
export type {
  GenieAttachment,
  GenieConversation,
  GenieMessage,
  GenieMessageStatus,
  GenieQueryAttachment,
  GenieSpace,
  GenieStartConversationResponse,
  StatementColumn,
  StatementResponse,
} from './types.js';
export { cellValue, markdownTable, rowsOf } from './values.js';
export type { GenieColumn, GenieRows, JsonValue } from './values.js';
export { VERSION } from './version.js';
