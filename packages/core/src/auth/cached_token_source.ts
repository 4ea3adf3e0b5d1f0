/**
 * The token cache shared by every OAuth-style provider: one cached token, refreshed ahead of
 * expiry, with a single in-flight refresh shared by all concurrent callers.
 */

/** An access token as returned by a token endpoint, the CLI or a custom provider. */
export interface Token {
  accessToken: string;
  /** `Bearer` unless the issuer says otherwise. */
  tokenType?: string;
  /** Absent: valid until `forceRefresh` (or, with `cacheWithoutExpiry: false`, not cached). */
  expiresAt?: Date;
  /** For `external-browser`: used by the next refresh. */
  refreshToken?: string;
}

export interface FetchTokenOptions {
  /** The token being replaced, if any (carries the refresh token for U2M). */
  previous?: Token;
}

export interface CachedTokenSourceOptions {
  /**
   * Refresh this long before expiry. Default 40 s: Azure Databricks rejects tokens that expire
   * in 30 s or less, and a request needs a few seconds to arrive.
   */
  refreshSkewMs?: number;
  /** Clock for tests. */
  now?: () => number;
  /** Whether tokens without `expiresAt` are reused. Default true. */
  cacheWithoutExpiry?: boolean;
}

export interface GetTokenOptions {
  signal?: AbortSignal;
  forceRefresh?: boolean;
}

export const DEFAULT_REFRESH_SKEW_MS = 40_000;

export class CachedTokenSource {
  readonly #fetchToken: (options: FetchTokenOptions) => Promise<Token>;
  readonly #refreshSkewMs: number;
  readonly #now: () => number;
  readonly #cacheWithoutExpiry: boolean;
  #token: Token | undefined;
  /** Last token obtained, kept after `forceRefresh` so its refresh token can still be used. */
  #previous: Token | undefined;
  #inFlight: Promise<Token> | undefined;

  constructor(
    fetchToken: (options: FetchTokenOptions) => Promise<Token>,
    options: CachedTokenSourceOptions = {},
  ) {
    this.#fetchToken = fetchToken;
    this.#refreshSkewMs = options.refreshSkewMs ?? DEFAULT_REFRESH_SKEW_MS;
    this.#now = options.now ?? Date.now;
    this.#cacheWithoutExpiry = options.cacheWithoutExpiry ?? true;
  }

  /** Returns a token valid for at least `refreshSkewMs`, fetching one if needed. */
  async getToken(options: GetTokenOptions = {}): Promise<Token> {
    options.signal?.throwIfAborted();
    if (options.forceRefresh) this.#token = undefined;
    const cached = this.#token;
    if (cached && this.#isFresh(cached)) return cached;
    if (!this.#inFlight) this.#inFlight = this.#refresh();
    // One caller's abort must not cancel the refresh the others wait for: race it per caller.
    return abortable(this.#inFlight, options.signal);
  }

  /** Drops the cached token; the next `getToken` fetches a new one. */
  invalidate(): void {
    this.#token = undefined;
  }

  #isFresh(token: Token): boolean {
    if (!token.expiresAt) return this.#cacheWithoutExpiry;
    return token.expiresAt.getTime() - this.#refreshSkewMs > this.#now();
  }

  async #refresh(): Promise<Token> {
    try {
      const token = await this.#fetchToken({ previous: this.#token ?? this.#previous });
      this.#token = token;
      this.#previous = token;
      return token;
    } finally {
      // Cleared on failure too: every waiter sees the rejection, the next call starts afresh.
      this.#inFlight = undefined;
    }
  }
}

function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** `Authorization` header for a token. */
export function bearerHeaders(token: Token): Record<string, string> {
  const type = !token.tokenType || /^bearer$/i.test(token.tokenType) ? 'Bearer' : token.tokenType;
  return { Authorization: `${type} ${token.accessToken}` };
}
