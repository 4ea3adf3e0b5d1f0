/**
 * The resolved configuration object. Secrets never live on it: they stay inside the credentials
 * provider's private fields, and the object prints and serialises as its redacted `toJSON()`.
 */
import type {
  AuthType,
  CredentialsProvider,
  DatabricksConfig,
  FetchFunction,
  GetAuthHeadersOptions,
} from '../types.js';

export interface ResolvedConfigFields {
  host: string;
  authType: AuthType;
  warehouseId?: string;
  clusterId?: string;
  caCert?: string;
  profile?: string;
  configFile?: string;
  fetch?: FetchFunction;
}

export class ResolvedDatabricksConfig implements DatabricksConfig {
  readonly host: string;
  readonly authType: AuthType;
  readonly warehouseId?: string;
  readonly clusterId?: string;
  readonly profile?: string;
  readonly configFile?: string;
  // Private so that `util.inspect` does not print a multi-kilobyte PEM or a function.
  readonly #caCert: string | undefined;
  readonly #fetch: FetchFunction | undefined;
  readonly #provider: CredentialsProvider;
  readonly #release: (() => Promise<void>) | undefined;

  /**
   * @param release Releases what resolution opened for the provider: the transport (and, with
   *   `caCert`, its connection pool) that token endpoints are called through.
   */
  constructor(
    fields: ResolvedConfigFields,
    provider: CredentialsProvider,
    release?: () => Promise<void>,
  ) {
    this.host = fields.host;
    this.authType = fields.authType;
    if (fields.warehouseId) this.warehouseId = fields.warehouseId;
    if (fields.clusterId) this.clusterId = fields.clusterId;
    if (fields.profile) this.profile = fields.profile;
    if (fields.configFile) this.configFile = fields.configFile;
    this.#caCert = fields.caCert;
    this.#fetch = fields.fetch;
    this.#provider = provider;
    this.#release = release;
  }

  get caCert(): string | undefined {
    return this.#caCert;
  }

  get fetch(): FetchFunction | undefined {
    return this.#fetch;
  }

  /** The provider behind `getAuthHeaders` (shared token cache for REST and SQL). */
  get credentialsProvider(): CredentialsProvider {
    return this.#provider;
  }

  getAuthHeaders(options?: GetAuthHeadersOptions): Promise<Record<string, string>> {
    return this.#provider.getAuthHeaders(options);
  }

  /**
   * Releases the connection pool that token requests (OAuth, Azure) use when `caCert` is set.
   * Clients built on this config do not close it, since one config may serve several of them:
   * close it once they are all closed. Idempotent; a PAT config has nothing to release.
   */
  async close(): Promise<void> {
    await this.#release?.();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  toJSON(): Record<string, unknown> {
    return {
      host: this.host,
      authType: this.authType,
      warehouseId: this.warehouseId,
      clusterId: this.clusterId,
      profile: this.profile,
      configFile: this.configFile,
      hasCaCert: this.#caCert !== undefined,
    };
  }

  toString(): string {
    return `DatabricksConfig(${this.host}, ${this.authType})`;
  }

  // Node passes its own `inspect` as the third argument, so this file imports no Node built-in
  // (it is part of the edge entry too).
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: unknown,
    inspect?: (value: unknown, options: unknown) => string,
  ): string {
    const fields = inspect ? inspect(this.toJSON(), options) : JSON.stringify(this.toJSON());
    return `DatabricksConfig ${fields}`;
  }
}
