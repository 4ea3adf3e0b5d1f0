/**
 * Workspace OAuth: OIDC discovery, the token endpoint and the authorize endpoint (see `oidc.ts`).
 * Public routes: clients call them before they have a token.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sendJson } from '../../platform/http.js';
import { defineService } from '../../platform/service.js';
import { createOAuthServer } from './oidc.js';

export interface OAuthOptions {
  /** The service principal accepted by the token endpoint (M2M). Default: a random UUID. */
  clientId?: string;
  /** Its secret. Default: a random `dose…` secret. */
  clientSecret?: string;
  /** Lifetime of issued access tokens. Default 3600 s. */
  tokenLifetimeSeconds?: number;
  /** Public OAuth clients (no secret) allowed in the authorize flow. Default `['databricks-cli']`. */
  publicClientIds?: string[];
  /** Clock for code expiry, injectable in tests. */
  now?: () => number;
}

/** The service principal of the workspace: give it to clients that use OAuth M2M. */
export interface LocalOAuth {
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * Accepts one more service principal at the token endpoint (`client_credentials`), for
   * services that create them (each Databricks App has its own). Returns its secret.
   */
  addServicePrincipal(clientId: string, clientSecret?: string): string;
  removeServicePrincipal(clientId: string): void;
}

export const oauthService = defineService({
  name: 'oauth',
  create(context, options: OAuthOptions | undefined) {
    const clientId = options?.clientId ?? randomUUID();
    const clientSecret = options?.clientSecret ?? `dose${randomBytes(16).toString('hex')}`;
    const servicePrincipals = new Map<string, string>();
    const server = createOAuthServer({
      host: () => context.host(),
      tokens: context.tokens,
      clientId,
      clientSecret,
      tokenLifetimeSeconds: options?.tokenLifetimeSeconds ?? 3600,
      publicClientIds: options?.publicClientIds,
      servicePrincipals,
      now: options?.now,
    });
    const state: LocalOAuth = {
      clientId,
      clientSecret,
      addServicePrincipal(id, secret = `dose${randomBytes(16).toString('hex')}`) {
        servicePrincipals.set(id, secret);
        return secret;
      },
      removeServicePrincipal(id) {
        servicePrincipals.delete(id);
      },
    };
    return {
      state,
      routes: [
        {
          method: ['GET', 'HEAD'],
          path: /^\/oidc\/\.well-known\/(?:oauth-authorization-server|openid-configuration)$/,
          name: 'oidc-discovery',
          auth: 'none',
          body: 'none',
          handle: (request) => server.discovery(request.incoming, request.response),
        },
        {
          // Host metadata: where Databricks' SDKs (Python databricks-sdk 0.15x) find the OIDC
          // endpoints of a host before OAuth; without it their OAuth M2M has no token endpoint.
          method: ['GET', 'HEAD'],
          path: '/.well-known/databricks-config',
          name: 'oidc-discovery',
          auth: 'none',
          body: 'none',
          handle: () => ({
            oidc_endpoint: `${context.host()}/oidc`,
            workspace_id: context.ids.workspaceId,
          }),
        },
        {
          method: '*',
          path: '/oidc/v1/token',
          name: 'oauth-token',
          auth: 'none',
          body: 'raw',
          maxBodyBytes: 1024 * 1024,
          handle: (request) => {
            if (request.method !== 'POST')
              return sendJson(
                request.response,
                405,
                { error: 'invalid_request', error_description: 'Use POST' },
                { allow: 'POST' },
              );
            return server.token(request.incoming, request.response, request.rawBody);
          },
        },
        {
          method: '*',
          path: '/oidc/v1/authorize',
          name: 'oauth-authorize',
          auth: 'none',
          body: 'none',
          handle: (request) => server.authorize(request.incoming, request.response),
        },
      ],
    };
  },
});
