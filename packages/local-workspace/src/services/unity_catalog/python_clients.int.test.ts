/**
 * Conformance: Databricks' Python clients, unchanged, against the local Unity Catalog functions
 * API. `databricks-sdk` 0.156 (`node scripts/python-venv.mjs`, the `.venv`) creates, gets, lists
 * (paged), updates and deletes functions, and calls the one it created over the Statement
 * Execution API. `unitycatalog-ai`'s `DatabricksFunctionClient` and databricks-langchain's
 * `UCFunctionToolkit` (`node scripts/python-venv.mjs langchain`, the `.venv-langchain`) list,
 * read and build tools from the same functions; they execute through Databricks Connect (Spark
 * Connect, which the local workspace does not serve) except Python functions in the client's
 * `local` mode, which runs them in its own subprocess. Under CI a missing venv fails with the
 * command that makes it; elsewhere the test says why it skips.
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
const script = join(import.meta.dirname, 'testing', 'python_functions_api.py');

/** The venv's python for a requirement set, or why there is none (a CI failure). */
async function venv(set: string[]): Promise<{ python?: string; unavailable?: string }> {
  const command = `node packages/local-workspace/scripts/python-venv.mjs ${set.join(' ')}`.trim();
  try {
    const setup = await run('node', [join(packageDir, 'scripts', 'python-venv.mjs'), ...set], {
      timeout: 900_000,
    });
    return { python: setup.stdout.trim().split('\n').pop() ?? '' };
  } catch (error) {
    const unavailable = `the Python clients could not be installed (${(error as Error).message.split('\n')[0]}); run \`${command}\``;
    if (process.env.CI) throw new Error(unavailable);
    return { unavailable };
  }
}

describe('Python clients of the Unity Catalog functions API', () => {
  let ws: LocalWorkspace;
  let directory = '';
  let caFile = '';

  beforeAll(async () => {
    ws = await startLocalWorkspace({ catalog: { samples: false } });
    const session = await ws.engine.openSession({});
    for (const statement of [
      'CREATE SCHEMA main.uc',
      'CREATE TABLE main.uc.orders (id BIGINT, region STRING, amount DECIMAL(10,2))',
      "INSERT INTO main.uc.orders VALUES (1, 'EU', 10.00), (2, 'US', 20.00)",
      `CREATE FUNCTION main.uc.orders_in(region STRING COMMENT 'EU or US')
       RETURNS TABLE (id BIGINT, amount DECIMAL(10,2)) COMMENT 'Orders of a region'
       RETURN SELECT id, amount FROM main.uc.orders o WHERE o.region = orders_in.region`,
      `CREATE FUNCTION main.uc.shout(text STRING COMMENT 'What to say', times INT COMMENT 'How often')
       RETURNS STRING LANGUAGE PYTHON COMMENT 'Repeats text loudly'
       AS $$
return " ".join([text.upper()] * times)
$$`,
    ])
      await (await session.execute(statement, {}, new AbortController().signal)).close();
    await session.close();
    directory = mkdtempSync(join(tmpdir(), 'lakechain-uc-'));
    caFile = join(directory, 'ca.pem');
    writeFileSync(caFile, ws.caCert);
  }, 120_000);

  afterAll(async () => {
    await ws?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  async function python(interpreter: string, args: string[]) {
    const { stdout } = await run(interpreter, [script, ...args], {
      timeout: 180_000,
      env: {
        ...process.env,
        REQUESTS_CA_BUNDLE: caFile,
        SSL_CERT_FILE: caFile,
        PYTHONWARNINGS: 'ignore',
        DATABRICKS_HOST: '',
        DATABRICKS_TOKEN: '',
        DATABRICKS_CONFIG_PROFILE: '',
      },
    });
    const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(out.error).toBeUndefined();
    return out;
  }

  it('databricks-sdk: w.functions.create / get / list / update / delete', {
    timeout: 300_000,
  }, async (context) => {
    const { python: interpreter, unavailable } = await venv([]);
    if (!interpreter) {
      console.warn(`skipping: ${unavailable}`);
      return context.skip();
    }
    const out = await python(interpreter, ['sdk', ws.host, ws.token, ws.warehouseId]);
    expect(out.created).toBe('main.uc.scale');
    expect(out.get).toEqual({
      data_type: 'DECIMAL',
      full_data_type: 'DECIMAL(12,2)',
      routine_body: 'SQL',
      comment: 'Scales an amount',
      parameters: [
        [
          'x',
          'DECIMAL',
          'decimal(10,2)',
          {
            name: 'x',
            type: 'decimal(10,2)',
            nullable: true,
            metadata: { comment: 'The amount' },
          },
          null,
          'The amount',
        ],
        [
          'factor',
          'INT',
          'int',
          { name: 'factor', type: 'integer', nullable: true, metadata: {} },
          '2',
          null,
        ],
      ],
    });
    expect(out.list).toEqual(['main.uc.orders_in', 'main.uc.scale', 'main.uc.shout']);
    expect(out.list_paged).toEqual(out.list);
    expect(out.table).toEqual({
      data_type: 'TABLE_TYPE',
      full_data_type: 'TABLE(id BIGINT, amount DECIMAL(10,2))',
      columns: [
        ['id', 'bigint'],
        ['amount', 'decimal(10,2)'],
      ],
    });
    expect(out.python).toEqual(['EXTERNAL', 'Python', 'return " ".join([text.upper()] * times)']);
    expect(out.system_ai).toEqual(['system.ai.python_exec']);
    expect(out.called).toEqual([['2.50']]);
    expect(out.owner).toBe('someone@example.com');
    expect(out.deleted[0]).toBe('NotFound');
    expect(out.deleted[2]).toContain("Routine or Model 'main.uc.scale' does not exist.");
  });

  it('unitycatalog-ai DatabricksFunctionClient (local mode) and UCFunctionToolkit', {
    timeout: 300_000,
  }, async (context) => {
    const { python: interpreter, unavailable } = await venv(['langchain']);
    if (!interpreter) {
      console.warn(`skipping: ${unavailable}`);
      return context.skip();
    }
    const out = await python(interpreter, ['unitycatalog-ai', ws.host, ws.token]);
    expect(out.list).toEqual(['main.uc.orders_in', 'main.uc.shout']);
    expect(out.source).toContain('def shout(text: str, times: int) -> str:');
    expect(out.executed).toEqual({ format: 'SCALAR', value: 'HI HI', error: null });
    expect(Object.keys(out.tools).sort()).toEqual(['main__uc__orders_in', 'main__uc__shout']);
    expect(out.tools.main__uc__shout.description).toBe('Repeats text loudly');
    // Nullable parameters (type_json's `nullable`) become optional: `anyOf [type, null]`.
    expect(out.tools.main__uc__shout.schema.properties).toMatchObject({
      text: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'What to say' },
      times: { anyOf: [{ type: 'integer' }, { type: 'null' }], description: 'How often' },
    });
    expect(out.tools.main__uc__orders_in.schema.properties.region.description).toBe('EU or US');
    expect(out.tool_result).toEqual({ format: 'SCALAR', value: 'YO YO YO' });
  });
});
