/**
 * Azure service principal with a Microsoft Entra ID client secret: client-credentials grant at
 * `{login}/{tenant}/oauth2/v2.0/token` for the Azure Databricks resource, plus, like the
 * Databricks SDKs, a second token for the Azure Service Management API sent as
 * `X-Databricks-Azure-SP-Management-Token`: with it (and the workspace's resource id), a service
 * principal that has Contributor on the workspace resource is let in and added to the workspace
 * on first use instead of being refused.
 */
import type { HttpTransport } from '../http/types.js';
import { CachedTokenSource } from './cached_token_source.js';
import { TokenSourceCredentialsProvider } from './provider.js';
import { requestToken, type TokenErrorContext } from './token_endpoint.js';

/** The well-known application id of Azure Databricks; `/.default` asks for its default scope. */
export const AZURE_DATABRICKS_SCOPE = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
export const DEFAULT_AZURE_LOGIN_ENDPOINT = 'https://login.microsoftonline.com';

/**
 * The Azure cloud a workspace host lives in: its login endpoint and the Service Management
 * resource (whose `/.default` scope keeps the resource's trailing slash, hence `//.default`).
 */
export function azureEnvironmentOf(host: string): { login: string; serviceManagement: string } {
  const name = host
    .replace(/^https?:\/\//, '')
    .replace(/[:/].*$/, '')
    .toLowerCase();
  if (name.endsWith('.databricks.azure.cn'))
    return {
      login: 'https://login.chinacloudapi.cn',
      serviceManagement: 'https://management.core.chinacloudapi.cn/',
    };
  if (name.endsWith('.databricks.azure.us'))
    return {
      login: 'https://login.microsoftonline.us',
      serviceManagement: 'https://management.core.usgovcloudapi.net/',
    };
  return {
    login: DEFAULT_AZURE_LOGIN_ENDPOINT,
    serviceManagement: 'https://management.core.windows.net/',
  };
}

export interface AzureClientSecretProviderOptions {
  host: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  transport: HttpTransport;
  loginEndpoint?: string;
  /** Sent as `X-Databricks-Azure-Workspace-Resource-Id` when known. */
  workspaceResourceId?: string;
  now?: () => number;
  refreshSkewMs?: number;
}

export function createAzureClientSecretProvider(
  options: AzureClientSecretProviderOptions,
): TokenSourceCredentialsProvider {
  const { tenantId, clientId, clientSecret, transport } = options;
  const now = options.now ?? Date.now;
  const cloud = azureEnvironmentOf(options.host);
  const login = (options.loginEndpoint ?? cloud.login).replace(/\/+$/, '');
  const url = `${login}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
  const context: TokenErrorContext = {
    authType: 'azure-client-secret',
    advice:
      'Check ARM_TENANT_ID, ARM_CLIENT_ID and ARM_CLIENT_SECRET (`azureTenantId`, ' +
      '`azureClientId`, `azureClientSecret`): the secret must belong to that app registration ' +
      `in that tenant and not be expired, and the service principal must be added to ${options.host}.`,
    secrets: [clientSecret],
  };
  const tokenFor = (scope: string) =>
    new CachedTokenSource(
      () =>
        requestToken(
          transport,
          {
            url,
            form: new URLSearchParams({
              grant_type: 'client_credentials',
              client_id: clientId,
              client_secret: clientSecret,
              scope,
            }),
            replay: 'safe',
          },
          context,
          now,
        ),
      { now, refreshSkewMs: options.refreshSkewMs },
    );
  const source = tokenFor(AZURE_DATABRICKS_SCOPE);
  const management = tokenFor(`${cloud.serviceManagement}/.default`);
  const extra: Record<string, string> = {};
  if (options.workspaceResourceId) {
    extra['X-Databricks-Azure-Workspace-Resource-Id'] = options.workspaceResourceId;
  }
  return new TokenSourceCredentialsProvider('azure-client-secret', source, extra, {
    'X-Databricks-Azure-SP-Management-Token': management,
  });
}
