/**
 * `startLocalWorkspace()`: a Databricks workspace on localhost. One HTTPS listener serves the
 * routes of every service in `services/index.ts` (SQL warehouse over Thrift, Model Serving, the
 * driver proxy, OAuth, MLflow and the cloud storage its clients upload to), all on one SQL engine
 * holding the workspace's tables (DuckDB, with Unity Catalog names).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createDuckDbEngine } from './engine/index.js';
import type { DataSource, PythonFunctionOptions, SqlEngine } from './engine/sql_engine.js';
import { LocalWorkspaceError } from './platform/errors.js';
import { createFaultInjector, type FaultInjector, type FaultOptions } from './platform/faults.js';
import { type Listener, startListener } from './platform/listener.js';
import { isLoopback } from './platform/network.js';
import { createRouteTable } from './platform/routes.js';
import type {
  OptionsOfServices,
  Route,
  ServiceContext,
  ServiceDefinition,
  ServiceInstance,
  StatesOfServices,
  WorkspaceIds,
} from './platform/service.js';
import { createTlsMaterial } from './platform/tls.js';
import { createTokenRegistry, type TokenRegistry } from './platform/tokens.js';
import type { DriverProxyAppDefinition } from './services/driver_proxy/types.js';
import { type BuiltinServices, builtinServices } from './services/index.js';
import type { ServingEndpointDefinition } from './services/serving/types.js';

/** The workspace's tables: what the SQL engine starts with. */
export interface CatalogOptions {
  /** Generate the `samples` catalog (nyctaxi, tpch). Default true. */
  samples?: boolean;
  /** Scale of generated samples: 1 = the default sizes. */
  sampleScale?: number;
  /** Files to load as tables at start. */
  data?: DataSource[];
  /** A directory laid out as `<catalog>/<schema>/<table>.(csv|parquet)`, loaded at start. */
  dataDir?: string;
  /**
   * Let SQL sessions read and write host files (`COPY`, `read_csv`, ...). Default false: the
   * engine is locked once the data above is loaded. Extensions, `ATTACH`, `PRAGMA` and settings
   * stay refused either way.
   */
  allowLocalFileAccess?: boolean;
  /**
   * How `LANGUAGE PYTHON` functions and `system.ai.python_exec` run: a Python process per call
   * with a timeout, no network and no host files (`{ enabled, python, timeoutMs, memoryBytes }`).
   * A development stand-in for Databricks' sandbox, not a sandbox.
   */
  pythonFunctions?: PythonFunctionOptions;
  /**
   * The SQL engine. Default: the DuckDB engine built from the options above. Tests may inject
   * their own; the workspace closes it on `stop()`.
   */
  engine?: SqlEngine;
}

/** The options of `startLocalWorkspace()` that were flat before services had their own groups. */
export interface DeprecatedFlatOptions {
  /** @deprecated Use `warehouse: { id }`. */
  warehouseId?: string;
  /** @deprecated Use `catalog: { samples }`. */
  samples?: boolean;
  /** @deprecated Use `catalog: { sampleScale }`. */
  sampleScale?: number;
  /** @deprecated Use `catalog: { data }`. */
  data?: DataSource[];
  /** @deprecated Use `catalog: { dataDir }`. */
  dataDir?: string;
  /** @deprecated Use `catalog: { engine }`. */
  engine?: SqlEngine;
  /** @deprecated Use `warehouse: { directResultsWaitMs }`. */
  directResultsWaitMs?: number;
  /** @deprecated Use `serving: { endpoints }`. */
  servingEndpoints?: ServingEndpointDefinition[];
  /** @deprecated Use `driverProxy: { apps }`. */
  driverProxyApps?: DriverProxyAppDefinition[];
}

/**
 * Options of the whole workspace, plus one group per service under the service's name
 * (`warehouse`, `serving`, `driverProxy`, `oauth`, `mlflow`).
 */
export interface LocalWorkspaceOptions
  extends OptionsOfServices<BuiltinServices>,
    DeprecatedFlatOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /**
   * Interface to listen on. Default `127.0.0.1` (the certificate covers 127.0.0.1 and localhost).
   * A non-loopback address needs `allowRemote: true`.
   */
  host?: string;
  /**
   * Allow a `host` other than loopback. Anyone who reaches the workspace with its token can run
   * SQL and read its data: only for a trusted network.
   */
  allowRemote?: boolean;
  /** The personal access token the workspace accepts. Default: a random `dapi…` token. */
  token?: string;
  /**
   * The workspace's interactive cluster: its Thrift path (`/sql/protocolv1/o/0/<id>`) and its
   * driver proxy use it. Default: a random id shaped like `1123-000000-abcdefgh`.
   */
  clusterId?: string;
  /** The numeric workspace id (`o=` in Databricks URLs). Default: random. */
  workspaceId?: string;
  /** The tables of the workspace. */
  catalog?: CatalogOptions;
  /** Latency and fault rules per route. */
  faults?: FaultOptions;
  /**
   * Status for an expired OAuth token: 403 "Invalid access token." (default, as Databricks
   * answers) or 401, to test clients that refresh only on 401.
   */
  expiredTokenStatus?: 401 | 403;
  /**
   * More services to serve on the same listener, after the built-in ones (their state is read
   * with `workspace.service(name)`).
   */
  services?: readonly ServiceDefinition[];
}

export interface ConnectionOptions {
  host: string;
  port: number;
  path: string;
  token: string;
  customCaCert: Buffer;
}

/**
 * A running workspace: where it is, its credentials, and the state of each service under the
 * service's name (`warehouse`, `serving`, `driverProxy`, `oauth`, `mlflow`).
 */
export interface LocalWorkspace extends StatesOfServices<BuiltinServices> {
  /** `https://127.0.0.1:PORT` */
  readonly host: string;
  readonly hostname: string;
  readonly port: number;
  readonly token: string;
  readonly workspaceId: string;
  readonly warehouseId: string;
  /** `/sql/1.0/warehouses/<warehouseId>` */
  readonly httpPath: string;
  readonly clusterId: string;
  /** `/sql/protocolv1/o/0/<clusterId>` */
  readonly clusterHttpPath: string;
  /** PEM of the self-signed certificate (its own CA): trust it in clients. */
  readonly caCert: string;
  readonly faults: FaultInjector;
  readonly tokens: TokenRegistry;
  /** The SQL engine holding the workspace's tables. */
  readonly engine: SqlEngine;
  /** @deprecated Use `driverProxy`. */
  readonly driverProxyApps: StatesOfServices<BuiltinServices>['driverProxy'];
  /** The state of any service by name, including ones given in `options.services`. */
  service<State = unknown>(name: string): State;
  /** Options for `DBSQLClient.connect()` (add `telemetryEnabled: false` in tests). */
  connectionOptions(options?: { target?: 'warehouse' | 'cluster' }): ConnectionOptions;
  /** `DATABRICKS_HOST`, `DATABRICKS_TOKEN`, `DATABRICKS_WAREHOUSE_ID`, `DATABRICKS_HTTP_PATH`, ... */
  env(): Record<string, string>;
  /** Stop every service, the listener (including keep-alive sockets) and the engine. Idempotent. */
  stop(): Promise<void>;
}

function randomClusterId(): string {
  const now = new Date();
  const pad = (value: number) => String(value).padStart(2, '0');
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const suffix = [...randomBytes(8)].map((byte) => alphabet[byte % alphabet.length]).join('');
  return `${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}-${suffix}`;
}

/** The service option groups, with the deprecated flat options folded in (groups win). */
function serviceOptions(options: LocalWorkspaceOptions): Record<string, unknown> {
  return {
    ...options,
    warehouse: {
      id: options.warehouseId,
      directResultsWaitMs: options.directResultsWaitMs,
      ...options.warehouse,
    },
    serving: { endpoints: options.servingEndpoints, ...options.serving },
    driverProxy: { apps: options.driverProxyApps, ...options.driverProxy },
  };
}

async function stopAll(instances: readonly ServiceInstance[]): Promise<void> {
  for (const instance of [...instances].reverse()) await instance.stop?.().catch(() => undefined);
}

export async function startLocalWorkspace(
  options: LocalWorkspaceOptions = {},
): Promise<LocalWorkspace> {
  const hostname = options.host ?? '127.0.0.1';
  if (!isLoopback(hostname) && !options.allowRemote)
    throw new LocalWorkspaceError(
      `The local workspace listens on loopback only: ${hostname} is not a loopback address, and anyone who reaches it with the token could run SQL on it. Pass allowRemote: true (CLI: --allow-remote) to listen there anyway.`,
      { option: 'host' },
    );
  const token = options.token ?? `dapi${randomBytes(16).toString('hex')}`;
  const ids: WorkspaceIds = {
    warehouseId: options.warehouse?.id ?? options.warehouseId ?? randomBytes(8).toString('hex'),
    clusterId: options.clusterId ?? randomClusterId(),
    workspaceId: options.workspaceId ?? String(randomInt(1_000_000_000, 2 ** 47)),
  };
  const tokens = createTokenRegistry({ personalAccessTokens: [token] });
  const faults = createFaultInjector(options.faults);
  const catalog = { ...options, ...options.catalog };

  const [tls, engine] = await Promise.all([
    createTlsMaterial(),
    catalog.engine ??
      createDuckDbEngine({
        samples: catalog.samples,
        sampleScale: catalog.sampleScale,
        data: catalog.data,
        dataDir: catalog.dataDir,
        allowLocalFileAccess: options.catalog?.allowLocalFileAccess,
        pythonFunctions: options.catalog?.pythonFunctions,
      }),
  ]);

  let publicHost = '';
  const states = new Map<string, unknown>();
  const context: ServiceContext = {
    host: () => publicHost,
    ids,
    tokens,
    faults,
    engine,
    service<State>(name: string): State {
      if (!states.has(name))
        throw new Error(`No service named '${name}' was started before this one.`);
      return states.get(name) as State;
    },
  };

  const grouped = serviceOptions(options);
  // Apps run as processes that call back into the workspace: they must trust its CA.
  grouped.apps = { caCert: tls.caCert, ...(grouped.apps as object | undefined) };
  const instances: ServiceInstance[] = [];
  const routes: Route[] = [];
  let listener: Listener;
  try {
    for (const definition of [...builtinServices, ...(options.services ?? [])]) {
      if (states.has(definition.name))
        throw new LocalWorkspaceError(
          `Two services are named '${definition.name}': give the one in options.services another name.`,
          { option: 'services' },
        );
      const instance = await definition.create(context, grouped[definition.name] as never);
      instances.push(instance);
      states.set(definition.name, instance.state);
      routes.push(...instance.routes);
    }
    listener = await startListener({
      tls,
      host: hostname,
      port: options.port ?? 0,
      routes: createRouteTable(routes),
      tokens,
      faults,
      expiredTokenStatus: options.expiredTokenStatus,
    });
  } catch (error) {
    // Invalid service options or a busy port: leave nothing running behind the error.
    await stopAll(instances);
    await engine.close().catch(() => undefined);
    throw error;
  }
  const port = listener.port;
  const urlHost = hostname.includes(':') ? `[${hostname}]` : hostname;
  publicHost = `https://${urlHost}:${port}`;
  const httpPath = `/sql/1.0/warehouses/${ids.warehouseId}`;
  const clusterHttpPath = `/sql/protocolv1/o/0/${ids.clusterId}`;
  const serviceStates = Object.fromEntries(states) as unknown as StatesOfServices<BuiltinServices>;

  let stopping: Promise<void> | undefined;
  return {
    ...serviceStates,
    host: publicHost,
    hostname,
    port,
    token,
    workspaceId: ids.workspaceId,
    warehouseId: ids.warehouseId,
    httpPath,
    clusterId: ids.clusterId,
    clusterHttpPath,
    caCert: tls.caCert,
    faults,
    tokens,
    engine,
    driverProxyApps: serviceStates.driverProxy,
    service: context.service,
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
        DATABRICKS_WAREHOUSE_ID: ids.warehouseId,
        DATABRICKS_HTTP_PATH: httpPath,
        DATABRICKS_CLUSTER_ID: ids.clusterId,
      };
    },
    stop() {
      stopping ??= (async () => {
        await stopAll(instances);
        await listener.close();
        await engine.close();
      })();
      return stopping;
    },
  };
}
