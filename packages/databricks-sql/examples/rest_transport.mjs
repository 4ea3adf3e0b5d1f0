// SQL over plain HTTPS: DatabricksSqlDatabase on the Statement Execution API, against a
// workspace on localhost. Run after `pnpm build`: node packages/databricks-sql/examples/rest_transport.mjs

import { DatabricksClient, resolveConfig } from '@lakechain/core';
import { DatabricksSqlDatabase, StatementExecutionClient } from '@lakechain/databricks-sql';
import { startLocalWorkspace } from '@lakechain/local-workspace';

const ws = await startLocalWorkspace();
try {
  const db = await DatabricksSqlDatabase.fromDatabricks({
    host: ws.host,
    token: ws.token,
    warehouseId: ws.warehouseId,
    caCert: ws.caCert, // the local workspace's CA
    catalog: 'samples',
    schema: 'tpch',
    transport: 'rest',
  });
  console.log(db.getUsableTableNames());
  console.log(
    await db.run(
      'SELECT r_name, count(*) AS nations FROM nation JOIN region ON n_regionkey = r_regionkey GROUP BY r_name ORDER BY r_name',
    ),
  );
  // Large results come as Arrow chunks from presigned links, downloaded in parallel.
  const { rows, truncated } = await db.query('SELECT * FROM samples.tpch.lineitem', {
    maxRows: 50_000,
  });
  console.log(rows.length, truncated, rows[0]);
  await db.close();

  // The API itself.
  const config = await resolveConfig({ host: ws.host, token: ws.token, caCert: ws.caCert });
  const client = new DatabricksClient({ config });
  const api = new StatementExecutionClient({ client, caCert: ws.caCert });
  const submitted = await api.executeStatement({
    warehouse_id: ws.warehouseId,
    statement: 'SELECT o_orderkey, o_totalprice FROM samples.tpch.orders WHERE o_totalprice > :min',
    parameters: [{ name: 'min', value: '450000', type: 'DECIMAL(18,2)' }],
    disposition: 'EXTERNAL_LINKS',
    format: 'ARROW_STREAM',
    wait_timeout: '0s',
  });
  const done = await api.waitForStatement(submitted); // polls with backoff
  for await (const chunk of api.chunks(done)) console.log(chunk.chunkIndex, chunk.rows.slice(0, 2));
  await api.close();
  await client.close();
} finally {
  await ws.stop();
}
