/** Helpers for tests that drive the workspace with the unmodified `@databricks/sql` driver. */
import { DBSQLClient } from '@databricks/sql';
import type { LocalWorkspace } from '../../../workspace.js';

export type Client = InstanceType<typeof DBSQLClient>;

/** A silent driver client (no winston console output). */
export function newClient(): Client {
  return new DBSQLClient({ logger: { log() {} } as never });
}

/** Connect the driver to the workspace with its PAT, telemetry off. */
export async function connectDriver(
  workspace: LocalWorkspace,
  overrides: Record<string, unknown> = {},
  target: 'warehouse' | 'cluster' = 'warehouse',
): Promise<Client> {
  const client = newClient();
  await client.connect({
    ...workspace.connectionOptions({ target }),
    telemetryEnabled: false,
    ...overrides,
  } as never);
  return client;
}
