/**
 * `DatabricksOAuthClientProvider`: the MCP SDK's `OAuthClientProvider`, backed by
 * @lakechain/core's credentials. The SDK's Streamable HTTP transport asks `tokens()` before every
 * request, and `tokens()` asks core's token cache, which refreshes OAuth tokens ahead of their
 * expiry (single flight, shared with every other lakechain client of the workspace): a
 * long-running agent's MCP calls keep working across token lifetimes. There is no interactive
 * flow: registration is skipped (a fixed client id) and a redirect is an error that says what to
 * configure.
 */

import { DatabricksAuthError, type DatabricksConfig } from '@lakechain/core';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

export class DatabricksOAuthClientProvider implements OAuthClientProvider {
  readonly #config: () => Promise<DatabricksConfig>;
  #forceRefresh = false;

  /** `config`: a resolved workspace config, or a function that resolves it on first use. */
  constructor(config: DatabricksConfig | (() => Promise<DatabricksConfig>)) {
    this.#config = typeof config === 'function' ? config : () => Promise.resolve(config);
  }

  /** No redirect: the workspace's credentials come from core, never from a browser here. */
  get redirectUrl(): undefined {
    return undefined;
  }

  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'lakechain', redirect_uris: [], token_endpoint_auth_method: 'none' };
  }

  /** A fixed client id, so the SDK never tries dynamic client registration. */
  clientInformation(): OAuthClientInformationMixed {
    return { client_id: 'databricks-sdk-client' };
  }

  /** The current bearer token of the workspace (refreshed by core when it is about to expire). */
  async tokens(): Promise<OAuthTokens> {
    const config = await this.#config();
    const forceRefresh = this.#forceRefresh;
    this.#forceRefresh = false;
    const headers = await config.getAuthHeaders(forceRefresh ? { forceRefresh } : {});
    const authorization = Object.entries(headers).find(
      ([name]) => name.toLowerCase() === 'authorization',
    )?.[1];
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match?.[1])
      throw new DatabricksAuthError(
        `MCP servers need a bearer token, and the ${config.authType} credentials of ${config.host} gave none.`,
        { authType: config.authType },
      );
    // A short lifetime: the SDK keeps nothing; every request asks again.
    return { access_token: match[1], token_type: 'Bearer', expires_in: 60 };
  }

  saveTokens(): void {
    // Core owns the tokens; nothing to keep here.
  }

  /**
   * Called by the SDK when the server answered 401: the next `tokens()` forces core to fetch a new
   * token, and this request fails with an error that says so (no browser flow here).
   */
  discoveryState(): undefined {
    this.#forceRefresh = true;
    throw new DatabricksAuthError(
      'The MCP server rejected the workspace token (401). The next call fetches a new token; if it is rejected too, check the credentials and that the principal may use this MCP server.',
      { authType: 'mcp', statusCode: 401 },
    );
  }

  redirectToAuthorization(): never {
    throw new DatabricksAuthError(
      'The MCP server asked for an interactive OAuth login, which lakechain does not open. Configure workspace credentials (OAuth M2M, the Databricks CLI, a PAT) for @lakechain/core instead.',
      { authType: 'mcp' },
    );
  }

  saveCodeVerifier(): void {
    // No interactive flow.
  }

  codeVerifier(): never {
    throw new DatabricksAuthError('No interactive OAuth flow is in progress.', { authType: 'mcp' });
  }

  /** Forces a token refresh on the next request. */
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'tokens') this.#forceRefresh = true;
  }

  toJSON(): Record<string, unknown> {
    return { type: 'DatabricksOAuthClientProvider' };
  }

  [inspectSymbol](): string {
    return 'DatabricksOAuthClientProvider {}';
  }
}
