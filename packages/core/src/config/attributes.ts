/**
 * The configuration attributes, where each one can come from (option, environment variable,
 * profile key), and the record of where each resolved value actually came from. The sources make
 * error messages precise ("token from DATABRICKS_TOKEN") without ever repeating a value.
 */

export type AttributeName =
  | 'host'
  | 'token'
  | 'clientId'
  | 'clientSecret'
  | 'authType'
  | 'warehouseId'
  | 'clusterId'
  | 'caCertFile'
  | 'azureTenantId'
  | 'azureClientId'
  | 'azureClientSecret'
  | 'azureWorkspaceResourceId'
  | 'databricksCliPath';

export interface AttributeSpec {
  name: AttributeName;
  /** `undefined` when there is no option of that name (`caCertFile`). */
  option?: string;
  env: string;
  profileKey: string;
  /** Auth attributes (and `host`) make the profile file be skipped when no profile is named. */
  skipsProfile: boolean;
}

export const ATTRIBUTES: readonly AttributeSpec[] = [
  { name: 'host', option: 'host', env: 'DATABRICKS_HOST', profileKey: 'host', skipsProfile: true },
  {
    name: 'token',
    option: 'token',
    env: 'DATABRICKS_TOKEN',
    profileKey: 'token',
    skipsProfile: true,
  },
  {
    name: 'clientId',
    option: 'clientId',
    env: 'DATABRICKS_CLIENT_ID',
    profileKey: 'client_id',
    skipsProfile: true,
  },
  {
    name: 'clientSecret',
    option: 'clientSecret',
    env: 'DATABRICKS_CLIENT_SECRET',
    profileKey: 'client_secret',
    skipsProfile: true,
  },
  {
    name: 'authType',
    option: 'authType',
    env: 'DATABRICKS_AUTH_TYPE',
    profileKey: 'auth_type',
    skipsProfile: false,
  },
  {
    name: 'warehouseId',
    option: 'warehouseId',
    env: 'DATABRICKS_WAREHOUSE_ID',
    profileKey: 'warehouse_id',
    skipsProfile: false,
  },
  {
    name: 'clusterId',
    option: 'clusterId',
    env: 'DATABRICKS_CLUSTER_ID',
    profileKey: 'cluster_id',
    skipsProfile: false,
  },
  {
    name: 'caCertFile',
    env: 'DATABRICKS_CA_CERT_FILE',
    profileKey: 'ca_cert_file',
    skipsProfile: false,
  },
  {
    name: 'azureTenantId',
    option: 'azureTenantId',
    env: 'ARM_TENANT_ID',
    profileKey: 'azure_tenant_id',
    skipsProfile: true,
  },
  {
    name: 'azureClientId',
    option: 'azureClientId',
    env: 'ARM_CLIENT_ID',
    profileKey: 'azure_client_id',
    skipsProfile: true,
  },
  {
    name: 'azureClientSecret',
    option: 'azureClientSecret',
    env: 'ARM_CLIENT_SECRET',
    profileKey: 'azure_client_secret',
    skipsProfile: true,
  },
  {
    name: 'azureWorkspaceResourceId',
    option: 'azureWorkspaceResourceId',
    env: 'DATABRICKS_AZURE_RESOURCE_ID',
    profileKey: 'azure_workspace_resource_id',
    skipsProfile: true,
  },
  {
    name: 'databricksCliPath',
    option: 'databricksCliPath',
    env: 'DATABRICKS_CLI_PATH',
    profileKey: 'databricks_cli_path',
    skipsProfile: false,
  },
];

/** Resolved raw values (strings, before host normalisation) with a label of their source. */
export interface ResolvedAttributes {
  values: Partial<Record<AttributeName, string>>;
  /** e.g. "option `token`", "DATABRICKS_TOKEN", "`token` in profile [dev] of ~/.databrickscfg". */
  sources: Partial<Record<AttributeName, string>>;
}
