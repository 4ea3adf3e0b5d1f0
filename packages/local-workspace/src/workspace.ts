/**
 * `startLocalWorkspace()`: a Databricks workspace on localhost. One HTTPS listener serves the SQL
 * warehouse (TCLIService over Thrift, backed by DuckDB) at the warehouse and cluster HTTP paths,
 * and the REST surface (serving endpoints, driver proxy, OAuth, MLflow and the cloud storage its
 * clients upload to) everywhere else.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createFaultInjector } from './faults.js';
import { createMlflowService } from './mlflow/service.js';
import type { LocalMlflow, MlflowOptions } from './mlflow/types.js';
import { createTokenRegistry } from './oauth/token_registry.js';
import { createRestHandler } from './rest/router.js';
import { startWorkspaceServer, type WorkspaceServer } from './server.js';
import type { ServingRegistry } from './serving/registry.js';
import type { DriverProxyAppDefinition, ServingEndpointDefinition } from './serving/types.js';
import { createTlsMaterial } from './tls.js';
import type { FaultInjector, FaultOptions, TokenRegistry } from './types.js';
import { createDuckDbEngine } from './warehouse/engine/index.js';
import type { DataSource, SqlEngine } from './warehouse/engine_types.js';
import { createWarehouseHandler } from './warehouse/thrift_handler.js';

export interface LocalWorkspaceOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1` (the certificate covers 127.0.0.1 and localhost). */
  host?: string;
  /** The personal access token the workspace accepts. Default: a random `dapi…` token. */
  token?: string;
  /** Default: 16 random hex characters. */
  warehouseId?: string;
  /** Default: a random id shaped like `1123-000000-abcdefgh`. */
  clusterId?: string;
  /** The service principal accepted by the OAuth token endpoint (M2M). */
  oauth?: { clientId?: string; clientSecret?: string; tokenLifetimeSeconds?: number };
  /** Generate the `samples` catalog (nyctaxi, tpch). Default true. */
  samples?: boolean;
  sampleScale?: number;
  /** Files to load as tables at start. */
  data?: DataSource[];
  /** A directory laid out as `<catalog>/<schema>/<table>.(csv|parquet)`, loaded at start. */
  dataDir?: string;
  /** Latency and fault rules per route. */
  faults?: FaultOptions;
  /** Model Serving endpoints served by the REST surface. */
  servingEndpoints?: ServingEndpointDefinition[];
  /** Apps reachable through `/driver-proxy-api/o/0/<clusterId>/<port>`. */
  driverProxyApps?: DriverProxyAppDefinition[];
  /**
   * The SQL engine behind the warehouse. Default: the DuckDB engine built from the options above.
   * Tests may inject their own; the workspace closes it on `stop()`.
   */
  engine?: SqlEngine;
  /**
   * How long ExecuteStatement waits for a statement to finish and answer it inline
   * (directResults, one round trip). Default 5000 ms, like Databricks.
   */
  directResultsWaitMs?: number;
  /**
   * MLflow on Databricks: tracking, traces, the Unity Catalog model registry and the cloud
   * storage clients upload to. Registered models must live in a schema the SQL engine has.
   */
  mlflow?: MlflowOptions;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  path: string;
  token: string;
  customCaCert: Buffer;
}

export interface LocalWorkspace {
  /** `https://127.0.0.1:PORT` */
  readonly host: string;
  readonly hostname: string;
  readonly port: number;
  readonly token: string;
  readonly warehouseId: string;
  /** `/sql/1.0/warehouses/<warehouseId>` */
  readonly httpPath: string;
  readonly clusterId: string;
  /** `/sql/protocolv1/o/0/<clusterId>` */
  readonly clusterHttpPath: string;
  /** PEM of the self-signed certificate (its own CA): trust it in clients. */
  readonly caCert: string;
  readonly oauth: { clientId: string; clientSecret: string };
  readonly faults: FaultInjector;
  readonly tokens: TokenRegistry;
  readonly engine: SqlEngine;
  /** Serving endpoints (add/remove while running) and the log of the requests they received. */
  readonly serving: ServingRegistry;
  /** Driver-proxy apps by port; add or remove while running. */
  readonly driverProxyApps: Map<number, DriverProxyAppDefinition>;
  /** MLflow state (experiments, runs, traces, models, stored files) and its settings. */
  readonly mlflow: LocalMlflow;
  /** Options for `DBSQLClient.connect()` (add `telemetryEnabled: false` in tests). */
  connectionOptions(options?: { target?: 'warehouse' | 'cluster' }): ConnectionOptions;
  /** `DATABRICKS_HOST`, `DATABRICKS_TOKEN`, `DATABRICKS_WAREHOUSE_ID`, `DATABRICKS_HTTP_PATH`, ... */
  env(): Record<string, string>;
  /** Close sessions, the engine and the listener (including keep-alive sockets). Idempotent. */
  stop(): Promise<void>;
}

function randomClusterId(): string {
  const now = new Date();
  const pad = (value: number) => String(value).padStart(2, '0');
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const suffix = [...randomBytes(8)].map((byte) => alphabet[byte % alphabet.length]).join('');
  return `${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}-${suffix}`;
}

export async function startLocalWorkspace(
  options: LocalWorkspaceOptions = {},
): Promise<LocalWorkspace> {
  const hostname = options.host ?? '127.0.0.1';
  const token = options.token ?? `dapi${randomBytes(16).toString('hex')}`;
  const warehouseId = options.warehouseId ?? randomBytes(8).toString('hex');
  const clusterId = options.clusterId ?? randomClusterId();
  const oauth = {
    clientId: options.oauth?.clientId ?? randomUUID(),
    clientSecret: options.oauth?.clientSecret ?? `dose${randomBytes(16).toString('hex')}`,
    tokenLifetimeSeconds: options.oauth?.tokenLifetimeSeconds ?? 3600,
  };
  const tokens = createTokenRegistry({ personalAccessTokens: [token] });
  const faults = createFaultInjector(options.faults);

  const [tls, engine] = await Promise.all([
    createTlsMaterial(),
    options.engine ??
      createDuckDbEngine({
        samples: options.samples,
        sampleScale: options.sampleScale,
        data: options.data,
        dataDir: options.dataDir,
      }),
  ]);
  const warehouse = createWarehouseHandler({
    engine,
    directResultsWaitMs: options.directResultsWaitMs,
  });

  let publicHost = '';
  let mlflow: ReturnType<typeof createMlflowService>;
  try {
    mlflow = createMlflowService({ ...options.mlflow, host: () => publicHost, engine });
  } catch (error) {
    // Invalid mlflow options: do not leave the engine open behind the error.
    await engine.close().catch(() => undefined);
    throw error;
  }
  const rest = createRestHandler({
    host: () => publicHost,
    tokens,
    faults,
    clusterId,
    oauth,
    servingEndpoints: options.servingEndpoints ?? [],
    driverProxyApps: options.driverProxyApps ?? [],
    mlflow,
  });

  let server: WorkspaceServer;
  try {
    server = await startWorkspaceServer({
      tls,
      host: hostname,
      port: options.port ?? 0,
      warehouseId,
      clusterId,
      tokens,
      faults,
      thriftHandler: warehouse.handler,
      rest,
    });
  } catch (error) {
    await engine.close().catch(() => undefined);
    throw error;
  }
  const port = server.port;
  const urlHost = hostname.includes(':') ? `[${hostname}]` : hostname;
  publicHost = `https://${urlHost}:${port}`;
  const httpPath = `/sql/1.0/warehouses/${warehouseId}`;
  const clusterHttpPath = `/sql/protocolv1/o/0/${clusterId}`;

  let stopping: Promise<void> | undefined;
  return {
    host: publicHost,
    hostname,
    port,
    token,
    warehouseId,
    httpPath,
    clusterId,
    clusterHttpPath,
    caCert: tls.caCert,
    oauth: { clientId: oauth.clientId, clientSecret: oauth.clientSecret },
    faults,
    tokens,
    engine,
    serving: rest.serving,
    driverProxyApps: rest.driverProxyApps,
    mlflow: mlflow.api,
    connectionOptions(connection = {}) {
      return {
        host: hostname,
        port,
        path: connection.target === 'cluster' ? clusterHttpPath : httpPath,
        token,
        customCaCert: Buffer.from(tls.caCert),
      };
    },
    env() {
      return {
        DATABRICKS_HOST: publicHost,
        DATABRICKS_TOKEN: token,
        DATABRICKS_WAREHOUSE_ID: warehouseId,
        DATABRICKS_HTTP_PATH: httpPath,
        DATABRICKS_CLUSTER_ID: clusterId,
      };
    },
    stop() {
      stopping ??= (async () => {
        await warehouse.close();
        await server.close();
        await engine.close();
      })();
      return stopping;
    },
  };
}
