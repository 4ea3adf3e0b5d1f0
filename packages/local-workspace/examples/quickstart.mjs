// Quick start: a Databricks workspace on localhost, reached exactly as a real one would be.
//
//   1. start the local workspace (SQL warehouse over Thrift + serving endpoints + OAuth),
//   2. resolve its config with @lakechain/core from DATABRICKS_* variables (OAuth M2M),
//   3. call a REST API through core's DatabricksClient,
//   4. query the warehouse through the unmodified @databricks/sql driver, authenticated by the
//      same token cache.
//
// Run from the repository root: pnpm build && pnpm example
import { DBSQLClient } from '@databricks/sql';
import { DatabricksClient, resolveConfig, toSqlConnectionOptions } from '@lakechain/core';
import { echoChat, startLocalWorkspace } from '@lakechain/local-workspace';

const workspace = await startLocalWorkspace({
  serving: { endpoints: [{ name: 'echo', task: 'llm/v1/chat', handler: echoChat() }] },
});
console.log(`Local workspace at ${workspace.host} (warehouse ${workspace.warehouseId})`);

try {
  // What a user's app sees: environment variables only, here a service principal (OAuth M2M).
  const config = await resolveConfig({
    env: {
      DATABRICKS_HOST: workspace.host,
      DATABRICKS_CLIENT_ID: workspace.oauth.clientId,
      DATABRICKS_CLIENT_SECRET: workspace.oauth.clientSecret,
      DATABRICKS_WAREHOUSE_ID: workspace.warehouseId,
    },
    caCert: workspace.caCert,
  });
  console.log(`Resolved config: ${JSON.stringify(config)}`);

  const rest = new DatabricksClient({ config });
  const { endpoints } = await rest.request({ method: 'GET', path: '/api/2.0/serving-endpoints' });
  console.log(`Serving endpoints: ${endpoints.map((endpoint) => endpoint.name).join(', ')}`);

  const sql = new DBSQLClient({ logger: { log() {} } });
  await sql.connect({ ...toSqlConnectionOptions(config), telemetryEnabled: false });
  const session = await sql.openSession();
  const operation = await session.executeStatement(
    'SELECT count(*) AS trips, round(avg(fare_amount), 2) AS avg_fare FROM samples.nyctaxi.trips',
  );
  const [row] = await operation.fetchAll();
  await operation.close();
  console.log(`samples.nyctaxi.trips: ${row.trips} trips, average fare $${row.avg_fare}`);
  await session.close();
  await sql.close();
} finally {
  await workspace.stop();
}
