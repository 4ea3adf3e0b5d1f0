import type { TestProject } from 'vitest/node';
import { type PostgresServer, type PostgresServerInfo, startPostgresServer } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared PostgreSQL, or null when it could not start outside CI (see postgresSkipReason). */
    postgres: PostgresServerInfo | null;
    postgresSkipReason: string;
  }
}

export default async function setup(project: TestProject) {
  let server: PostgresServer;
  try {
    server = await startPostgresServer();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // Under CI a missing server fails the run, with the command that fixes it.
    if (process.env.CI) throw error;
    process.stderr.write(
      `\n[lakebase tests] PostgreSQL integration tests are skipped:\n${reason}\n\n`,
    );
    project.provide('postgres', null);
    project.provide('postgresSkipReason', reason);
    return;
  }
  project.provide('postgres', {
    host: server.host,
    port: server.port,
    database: server.database,
    caCert: server.caCert,
    adminConnection: server.adminConnection,
    radius: server.radius,
  });
  project.provide('postgresSkipReason', '');
  return async () => {
    await server.stop();
  };
}
