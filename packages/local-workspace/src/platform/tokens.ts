import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Bearer tokens the workspace accepts: the PAT(s) and OAuth access tokens it issued. */
export interface TokenRegistry {
  /** Returns 'valid', 'expired' or 'invalid' for an `Authorization` header value. */
  verify(authorizationHeader: string | undefined): 'valid' | 'expired' | 'invalid';
  /** Issue an OAuth access token for a service principal; lifetime in seconds. */
  issue(clientId: string, lifetimeSeconds: number): { token: string; expiresIn: number };
  /** Number of tokens issued by the token endpoint so far (for single-flight assertions). */
  readonly issuedCount: number;
}

export interface TokenRegistryOptions {
  /** Personal access tokens that never expire. */
  personalAccessTokens: string[];
  /** Clock, injectable so tests can expire tokens without waiting. */
  now?: () => number;
  /**
   * Treat an OAuth token as expired this many seconds before its expiry. Azure Databricks rejects
   * tokens that expire within 30 seconds; set 30 to test that a client refreshes early enough.
   * Default 0.
   */
  expirySkewSeconds?: number;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Bearer tokens accepted by every route of the local workspace: the PATs given at start, and the
 * OAuth access tokens issued by `/oidc/v1/token`, each valid until its expiry (then the caller
 * gets 401/403 exactly as from Databricks).
 */
export function createTokenRegistry(options: TokenRegistryOptions): TokenRegistry {
  const now = options.now ?? Date.now;
  const skewMs = (options.expirySkewSeconds ?? 0) * 1000;
  const issued = new Map<string, number>(); // token -> expiry (ms since epoch)
  let issuedCount = 0;

  return {
    verify(authorizationHeader) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorizationHeader?.trim() ?? '');
      const token = match?.[1];
      if (!token) return 'invalid';
      if (options.personalAccessTokens.some((pat) => sameSecret(pat, token))) return 'valid';
      const expiresAt = issued.get(token);
      if (expiresAt === undefined) return 'invalid';
      return expiresAt - skewMs > now() ? 'valid' : 'expired';
    },
    issue(_clientId, lifetimeSeconds) {
      // Shaped like a Databricks OAuth token only loosely: opaque to clients, as it should be.
      const token = `dlw-oauth-${randomBytes(24).toString('base64url')}`;
      issued.set(token, now() + lifetimeSeconds * 1000);
      issuedCount += 1;
      return { token, expiresIn: lifetimeSeconds };
    },
    get issuedCount() {
      return issuedCount;
    },
  };
}
