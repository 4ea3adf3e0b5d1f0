/**
 * Small building blocks shared by the credential providers. Secrets live only in `#private`
 * fields or closures, so `util.inspect`, `console.log` and `JSON.stringify` of a provider never
 * show them.
 */
import type { AuthType, CredentialsProvider, GetAuthHeadersOptions } from '../types.js';
import { bearerHeaders, type CachedTokenSource, type Token } from './cached_token_source.js';

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/** A provider whose headers come from a CachedTokenSource (every OAuth-style auth type). */
export class TokenSourceCredentialsProvider implements CredentialsProvider {
  readonly authType: AuthType;
  readonly #source: CachedTokenSource;
  readonly #extraHeaders: Readonly<Record<string, string>>;
  readonly #tokenHeaders: Readonly<Record<string, CachedTokenSource>>;

  /**
   * @param extraHeaders fixed headers sent along (e.g. the Azure workspace resource id).
   * @param tokenHeaders headers whose value is the access token of another source (e.g. Azure's
   *   Service Management token), fetched and refreshed alongside the main one.
   */
  constructor(
    authType: AuthType,
    source: CachedTokenSource,
    extraHeaders: Record<string, string> = {},
    tokenHeaders: Record<string, CachedTokenSource> = {},
  ) {
    this.authType = authType;
    this.#source = source;
    this.#extraHeaders = { ...extraHeaders };
    this.#tokenHeaders = { ...tokenHeaders };
  }

  async getAuthHeaders(options: GetAuthHeadersOptions = {}): Promise<Record<string, string>> {
    const names = Object.keys(this.#tokenHeaders);
    const [token, ...others] = await Promise.all([
      this.#source.getToken(options),
      ...names.map((name) => (this.#tokenHeaders[name] as CachedTokenSource).getToken(options)),
    ]);
    const headers: Record<string, string> = { ...this.#extraHeaders };
    names.forEach((name, index) => {
      headers[name] = (others[index] as Token).accessToken;
    });
    return { ...headers, ...bearerHeaders(token as Token) };
  }

  /** The bare access token (for clients that want a string, not headers). */
  async getToken(options: GetAuthHeadersOptions = {}): Promise<Token> {
    return this.#source.getToken(options);
  }

  toJSON(): Record<string, unknown> {
    return { authType: this.authType };
  }

  [inspectSymbol](): string {
    return `CredentialsProvider { authType: '${this.authType}' }`;
  }
}

/** Personal access token: a fixed header, nothing to refresh. */
export class PatCredentialsProvider implements CredentialsProvider {
  readonly authType: AuthType = 'pat';
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  async getAuthHeaders(options: GetAuthHeadersOptions = {}): Promise<Record<string, string>> {
    options.signal?.throwIfAborted();
    return { Authorization: `Bearer ${this.#token}` };
  }

  toJSON(): Record<string, unknown> {
    return { authType: this.authType };
  }

  [inspectSymbol](): string {
    return `CredentialsProvider { authType: 'pat' }`;
  }
}
