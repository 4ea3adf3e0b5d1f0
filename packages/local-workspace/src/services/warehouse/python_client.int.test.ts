/**
 * A second, independent client: the Python `databricks-sql-connector` (installed into
 * packages/local-workspace/.venv by scripts/python-venv.mjs) connects over the same Thrift
 * protocol, runs queries and reads rows.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';

const run = promisify(execFile);
const packageDir = join(import.meta.dirname, '..', '..', '..');
const script = join(import.meta.dirname, 'testing', 'python_client.py');

describe('Python databricks-sql-connector', () => {
  let ws: LocalWorkspace;
  let python: string;
  let directory: string;
  let caFile: string;

  beforeAll(async () => {
    const setup = await run('node', [join(packageDir, 'scripts', 'python-venv.mjs')], {
      timeout: 600_000,
    });
    python = setup.stdout.trim().split('\n').pop() ?? '';
    ws = await startLocalWorkspace();
    directory = mkdtempSync(join(tmpdir(), 'lakechain-py-'));
    caFile = join(directory, 'ca.pem');
    writeFileSync(caFile, ws.caCert);
  }, 660_000);

  afterAll(async () => {
    await ws?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  async function query(
    sql: string,
    parameters?: unknown,
  ): Promise<{ columns: string[]; rows: unknown[][] }> {
    const args = [script, ws.hostname, String(ws.port), ws.httpPath, ws.token, caFile, sql];
    if (parameters !== undefined) args.push(JSON.stringify(parameters));
    const { stdout } = await run(python, args, { timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
  }

  it('connects with a PAT, runs a query and reads rows', async () => {
    const result = await query("SELECT 1 AS a, 'x' AS b, CAST(2.5 AS DOUBLE) AS c");
    expect(result.columns).toEqual(['a', 'b', 'c']);
    expect(result.rows).toEqual([[1, 'x', 2.5]]);
  });

  it('pages through a result larger than one fetch', async () => {
    const result = await query('SELECT * FROM range(25000)');
    expect(result.rows).toHaveLength(25_000);
    expect(result.rows.at(-1)).toEqual([24_999]);
  });

  it('reads the sample data', async () => {
    const result = await query('SELECT count(*) AS n FROM samples.nyctaxi.trips');
    expect(Number(result.rows[0]?.[0])).toBeGreaterThan(1000);
  });

  it('lists tables and columns through the cursor metadata calls', async () => {
    const tables = await query('@tables samples tpch');
    const nameIndex = tables.columns.indexOf('TABLE_NAME');
    expect(tables.rows.map((row) => row[nameIndex])).toEqual(
      expect.arrayContaining(['lineitem', 'orders']),
    );
    const columns = await query('@columns samples nyctaxi trips');
    const columnIndex = columns.columns.indexOf('COLUMN_NAME');
    expect(columns.rows.map((row) => row[columnIndex])).toEqual(
      expect.arrayContaining(['fare_amount']),
    );
  });

  it("is refused a read of the machine's files, with Databricks' error", async () => {
    await expect(query("SELECT * FROM read_text('/etc/passwd')")).rejects.toMatchObject({
      stderr: expect.stringContaining('[INSUFFICIENT_PERMISSIONS]'),
    });
  });

  it('binds named parameters', async () => {
    const result = await query('SELECT :a AS a, :b AS b', {
      a: 5,
      b: 'x',
    });
    expect(result.rows).toEqual([[5, 'x']]);
  });
});
