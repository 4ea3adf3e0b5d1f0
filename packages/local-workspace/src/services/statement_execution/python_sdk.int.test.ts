/**
 * Conformance: the Python `databricks-sdk` (pinned in scripts/python-venv.mjs, in
 * packages/local-workspace/.venv), unchanged, runs `w.statement_execution.execute_statement(...)`,
 * `get_statement`, `get_statement_result_chunk_n` and `cancel_execution` against the local
 * workspace, and reads EXTERNAL_LINKS chunks with requests (no workspace token) and pyarrow.
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
const script = join(import.meta.dirname, 'testing', 'python_sdk.py');

describe('Python databricks-sdk: statement_execution', () => {
  let ws: LocalWorkspace;
  let python: string;
  let directory: string;
  let caFile: string;

  beforeAll(async () => {
    // Creates the venv on first use (PyPI); under CI a failure here fails the suite, with the
    // command that fixes it in the script's message.
    const setup = await run('node', [join(packageDir, 'scripts', 'python-venv.mjs')], {
      timeout: 900_000,
    }).catch((error: { stderr?: string }) => {
      throw new Error(
        `The Python venv could not be prepared: ${error.stderr ?? error}. Fix: node packages/local-workspace/scripts/python-venv.mjs`,
      );
    });
    python = setup.stdout.trim().split('\n').pop() ?? '';
    ws = await startLocalWorkspace({ statementExecution: { chunkBytes: 64 * 1024 } });
    directory = mkdtempSync(join(tmpdir(), 'lakechain-sdk-'));
    caFile = join(directory, 'ca.pem');
    writeFileSync(caFile, ws.caCert);
  }, 960_000);

  afterAll(async () => {
    await ws?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  async function sdk(name: string) {
    const { stdout } = await run(python, [script, ws.host, ws.token, ws.warehouseId, name], {
      timeout: 120_000,
      env: { ...process.env, REQUESTS_CA_BUNDLE: caFile, PYTHONWARNINGS: 'ignore' },
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(result.error).toBeUndefined();
    return result;
  }

  it('execute_statement with a typed parameter, answered inline', async () => {
    expect(await sdk('inline')).toEqual({
      state: 'SUCCEEDED',
      columns: [
        ['n_nationkey', 'LONG', 'BIGINT'],
        ['n_name', 'STRING', 'STRING'],
      ],
      rows: [
        ['0', 'ALGERIA'],
        ['1', 'ARGENTINA'],
        ['2', 'BRAZIL'],
      ],
      total_row_count: 3,
    });
  });

  it('EXTERNAL_LINKS + ARROW_STREAM: every chunk by get_statement_result_chunk_n, read by pyarrow', async () => {
    const result = await sdk('arrow');
    expect(result.state).toBe('SUCCEEDED');
    expect(result.chunks).toBeGreaterThan(1);
    expect(result.rows).toBe(30_000);
    expect(result.types).toEqual(['int64', 'decimal128(20, 2)', 'date32[day]']);
    expect(result.last).toEqual(['29999', '29999.00', '2024-01-01']);
    expect(result.id_sum).toBe((29_999 * 30_000) / 2);
    // The links were downloaded without the workspace token.
    expect(
      ws.statementExecution.linkRequests.every((r) => !r.authorization && r.status === 200),
    ).toBe(true);
  });

  it('EXTERNAL_LINKS + CSV', async () => {
    expect((await sdk('csv')).text).toBe(
      'id,s\r\n0,"a,b"\r\n1,null\r\n2,"a,b"\r\n3,null\r\n4,"a,b"\r\n',
    );
  });

  it('wait_timeout 0s, then get_statement until SUCCEEDED', async () => {
    const result = await sdk('poll');
    expect(result.first).toMatch(/^(PENDING|RUNNING)$/);
    expect(result).toMatchObject({ state: 'SUCCEEDED', rows: [['42']] });
  });

  it('a failing statement: FAILED with the error class', async () => {
    const result = await sdk('failed');
    expect(result.state).toBe('FAILED');
    expect(result.error_code).toBe('BAD_REQUEST');
    expect(result.message).toMatch(/^\[TABLE_OR_VIEW_NOT_FOUND\]/);
  });

  it('cancel_execution', async () => {
    expect(await sdk('cancel')).toEqual({ before: 'RUNNING', after: 'CANCELED' });
  });
});
