/**
 * OAuth machine-to-machine (service principal with a Databricks OAuth secret): client-credentials
 * grant against the workspace's own token endpoint, found by OIDC discovery.
 */
import type { HttpTransport } from '../http/types.js';
import { CachedTokenSource } from './cached_token_source.js';
import { TokenSourceCredentialsProvider } from './provider.js';
import {
  discoverOidcEndpoints,
  type OidcEndpoints,
  requestToken,
  type TokenErrorContext,
} from './token_endpoint.js';

export const DEFAULT_M2M_SCOPES: readonly string[] = ['all-apis'];

export interface OAuthM2MProviderOptions {
  host: string;
  clientId: string;
  clientSecret: string;
  transport: HttpTransport;
  scopes?: readonly string[];
  now?: () => number;
  refreshSkewMs?: number;
}

export function createOAuthM2MProvider(
  options: OAuthM2MProviderOptions,
): TokenSourceCredentialsProvider {
  const { host, clientId, clientSecret, transport } = options;
  const scopes = options.scopes ?? DEFAULT_M2M_SCOPES;
  const now = options.now ?? Date.now;
  const context: TokenErrorContext = {
    authType: 'oauth-m2m',
    advice:
      'Check `clientId`/`clientSecret` (DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET): they ' +
      'must be the application id and an unexpired OAuth secret of a service principal that ' +
      `is added to the workspace ${host} and has permission to use it.`,
    secrets: [clientSecret],
  };
  let endpoints: Promise<OidcEndpoints> | undefined;

  const source = new CachedTokenSource(
    async () => {
      // Discovery is cached for the life of the provider; a failure is retried on the next call.
      endpoints ??= discoverOidcEndpoints(transport, host, context).catch((error: unknown) => {
        endpoints = undefined;
        throw error;
      });
      const { tokenEndpoint } = await endpoints;
      const basic = base64Utf8(`${clientId}:${clientSecret}`);
      return requestToken(
        transport,
        {
          url: tokenEndpoint,
          form: new URLSearchParams({ grant_type: 'client_credentials', scope: scopes.join(' ') }),
          headers: { Authorization: `Basic ${basic}` },
          replay: 'safe',
        },
        context,
        now,
      );
    },
    { now, refreshSkewMs: options.refreshSkewMs },
  );
  return new TokenSourceCredentialsProvider('oauth-m2m', source);
}

/** Base64 of the UTF-8 bytes of `text`, with web APIs only (no `Buffer`: edge runtimes lack it). */
function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
