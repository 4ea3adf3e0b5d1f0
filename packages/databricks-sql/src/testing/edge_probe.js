// Runs in Deno (see rest_entry.int.test.ts), bundled with @lakechain/databricks-sql/rest: the
// edge entry against the local workspace over plain fetch. Arguments: host, token, warehouse id.
// Prints one JSON line with what it read, for the test to compare with Node's answers.
import { DatabricksSqlDatabase } from '../../dist/rest.js';

const [host, token, warehouseId] = Deno.args;
const db = await DatabricksSqlDatabase.fromDatabricks({
  host,
  token,
  warehouseId,
  catalog: 'samples',
  schema: 'tpch',
  env: {},
  // A cancelled statement is cancelled when the workspace answers its submission: keep it short.
  statementExecution: { waitTimeoutSeconds: 5 },
});
try {
  const tables = db.getUsableTableNames();
  const tableInfo = await db.getTableInfo(['nation', 'region']);
  const typed = await db.run(
    "SELECT CAST(9007199254740993 AS BIGINT) AS big, CAST('12345678901234567890.1234567890' AS DECIMAL(38,10)) AS dec, " +
      "DATE'2024-02-29' AS d, TIMESTAMP'2024-02-29 13:14:15' AS ts, unhex('01FF') AS bin, array(1, 2) AS arr, " +
      "map('k', 1) AS m, named_struct('x', 1, 'y', 'z') AS s, CAST(NULL AS STRING) AS n",
  );
  const capped = await db.run('SELECT * FROM range(1000000)');
  const large = await db.query('SELECT id, id * 2 AS twice FROM range(30000)', { maxRows: 30000 });
  let guard = '';
  try {
    await db.run('DROP TABLE samples.tpch.nation');
  } catch (error) {
    guard = error.name;
  }
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  let cancelled = '';
  try {
    await db.query('SELECT count(*) FROM range(100000000000)', { signal: controller.signal });
  } catch (error) {
    cancelled = error.kind;
  }
  console.log(
    JSON.stringify({
      runtime: `deno ${Deno.version.deno}`,
      tables,
      tableInfo,
      typed,
      capped,
      largeRows: large.rows.length,
      largeLast: String(large.rows.at(-1)?.twice),
      guard,
      cancelled,
    }),
  );
} finally {
  await db.close();
}
