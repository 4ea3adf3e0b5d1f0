/**
 * Test support (not exported): a local workspace whose Lakebase instances point at a real
 * PostgreSQL, and the options a `LakebasePool` needs to reach both.
 */
import {
  type LakebaseOptions,
  type LocalWorkspace,
  type ServingEndpointDefinition,
  scriptedEmbeddings,
  startLocalWorkspace,
} from '@lakechain/local-workspace';
import pg from 'pg';
import { inject } from 'vitest';
import type { LakebasePoolOptions } from '../pool.js';
import type { PostgresServerInfo } from './postgres.js';

/** The shared server, or undefined (tests skip, saying why) when it could not start outside CI. */
export const sharedPostgres: PostgresServerInfo | undefined = inject('postgres') ?? undefined;
export const postgresSkipReason = inject('postgresSkipReason');

export const EMBEDDING_DIMENSIONS = 64;

export interface LocalStack {
  ws: LocalWorkspace;
  postgres: PostgresServerInfo;
  /** Superuser pool on `databricks_postgres` (for checks the role may not make). */
  admin: pg.Pool;
  /** Options for `LakebasePool` / the saver / the store on `instanceName`. */
  poolOptions(instanceName?: string, extra?: Partial<LakebasePoolOptions>): LakebasePoolOptions;
  stop(): Promise<void>;
}

export async function startLocalStack(
  options: {
    postgres?: PostgresServerInfo;
    lakebase?: Omit<LakebaseOptions, 'postgres'>;
    servingEndpoints?: ServingEndpointDefinition[];
  } = {},
): Promise<LocalStack> {
  const postgres = options.postgres ?? sharedPostgres;
  if (!postgres) throw new Error(`No PostgreSQL: ${postgresSkipReason}`);
  const admin = new pg.Pool({ ...postgres.adminConnection, max: 2 });
  admin.on('error', () => {});
  const ws = await startLocalWorkspace({
    catalog: { samples: false },
    serving: {
      endpoints: options.servingEndpoints ?? [
        {
          name: 'memory-embeddings',
          task: 'llm/v1/embeddings',
          handler: scriptedEmbeddings({ dimensions: EMBEDDING_DIMENSIONS }),
        },
      ],
    },
    lakebase: {
      instances: [{ name: 'agent-memory' }],
      ...options.lakebase,
      postgres: {
        host: postgres.host,
        port: postgres.port,
        admin,
        radius: postgres.radius,
        database: postgres.database,
      },
    },
  });
  return {
    ws,
    postgres,
    admin,
    poolOptions: (instanceName = 'agent-memory', extra = {}) => ({
      instanceName,
      workspace: { host: ws.host, token: ws.token, caCert: ws.caCert, env: {} },
      port: postgres.port,
      tls: { ca: postgres.caCert },
      ...extra,
    }),
    async stop() {
      await ws.stop();
      await admin.end();
    },
  };
}
