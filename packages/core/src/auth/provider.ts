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

  constructor(
    authType: AuthType,
    source: CachedTokenSource,
    extraHeaders: Record<string, string> = {},
  ) {
    this.authType = authType;
    this.#source = source;
    this.#extraHeaders = { ...extraHeaders };
  }

  async getAuthHeaders(options: GetAuthHeadersOptions = {}): Promise<Record<string, string>> {
    const token = await this.#source.getToken(options);
    return { ...this.#extraHeaders, ...bearerHeaders(token) };
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
