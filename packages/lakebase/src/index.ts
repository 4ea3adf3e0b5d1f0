// Public API of @lakechain/lakebase: an explicit list, nothing re-exported wholesale.

// The pool: instance resolution, workspace identity, rotating credentials, TLS.
export { DEFAULT_DATABASE, DEFAULT_PORT, LakebasePool, lakebasePool } from './pool.js';
export type {
  LakebaseConnectionInfo,
  LakebasePoolOptions,
  LakebasePoolSettings,
  LakebaseTlsOptions,
} from './pool.js';
export { DEFAULT_CREDENTIAL_REUSE_MS, LakebaseWorkspace } from './workspace.js';
export type { LakebaseTargetInfo, LakebaseWorkspaceOptions } from './workspace.js';

// LangGraph memory: the checkpointer and the store.
export { LakebaseCheckpointSaver } from './checkpoint.js';
export type { LakebaseCheckpointSaverOptions } from './checkpoint.js';
export { LakebaseStore } from './store.js';
export type {
  FilterOperators,
  IndexConfig,
  LakebaseStoreOptions,
  SearchItem,
  TTLConfig,
} from './store.js';

// Errors.
export {
  LakebaseConnectionError,
  LakebaseError,
  LakebaseInstanceNotAvailableError,
  LakebaseInstanceNotFoundError,
  LakebasePermissionError,
  LakebasePgvectorMissingError,
  toLakebaseError,
} from './errors.js';
export { USER_AGENT, VERSION } from './version.js';
