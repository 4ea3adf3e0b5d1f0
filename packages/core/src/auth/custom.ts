/**
 * `custom`: a user-supplied token function. A token returned with `expiresAt` is cached until
 * shortly before then; a bare string is not cached (the function may do its own caching), but
 * concurrent callers still share one call.
 */
import { DatabricksAuthError } from '../errors.js';
import type { TokenProviderFunction } from '../types.js';
import { CachedTokenSource, type Token } from './cached_token_source.js';
import { TokenSourceCredentialsProvider } from './provider.js';

export function createCustomProvider(
  tokenProvider: TokenProviderFunction,
  options: { now?: () => number; refreshSkewMs?: number } = {},
): TokenSourceCredentialsProvider {
  const fetchToken = async (): Promise<Token> => {
    let result: Awaited<ReturnType<TokenProviderFunction>>;
    try {
      result = await tokenProvider({});
    } catch (cause) {
      throw new DatabricksAuthError(
        `The custom \`tokenProvider\` failed: ${cause instanceof Error ? cause.message : String(cause)}`,
        { authType: 'custom', cause },
      );
    }
    const token = typeof result === 'string' ? result : result?.token;
    if (typeof token !== 'string' || token === '') {
      throw new DatabricksAuthError(
        'The custom `tokenProvider` returned no token: it must resolve to a string or `{ token, expiresAt? }`.',
        { authType: 'custom', errorCode: 'INVALID_TOKEN_RESPONSE' },
      );
    }
    const expiresAt = typeof result === 'string' ? undefined : result.expiresAt;
    return { accessToken: token, expiresAt: expiresAt instanceof Date ? expiresAt : undefined };
  };
  const source = new CachedTokenSource(fetchToken, {
    now: options.now,
    refreshSkewMs: options.refreshSkewMs,
    cacheWithoutExpiry: false,
  });
  return new TokenSourceCredentialsProvider('custom', source);
}
