/**
 * The Statement Execution API at Databricks' paths, over HTTPS with the workspace token, as the
 * Databricks SDKs call it: states, waiting, cancel, error shapes, INLINE chunks, and
 * EXTERNAL_LINKS in the three formats behind presigned links that need no token and refuse one.
 * (Two independent clients run against it too: the Python `databricks-sdk`,
 * `python_sdk.int.test.ts`, and `@lakechain/databricks-sql`'s client.)
 */
// biome-ignore lint/suspicious/noTsIgnore: apache-arrow 13's types are hidden by its exports map.
// @ts-ignore
import * as ArrowRuntime from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ArrowTypes from '../../../node_modules/apache-arrow/Arrow.node.js';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { call, restApi } from '../mlflow/testing_http.js';

const Arrow = ArrowRuntime as typeof ArrowTypes;
const PATH = '/api/2.0/sql/statements';

let ws: LocalWorkspace;
let clock = Date.now();
let api: ReturnType<typeof restApi>;

beforeAll(async () => {
  ws = await startLocalWorkspace({
    // Small chunks so that a few thousand rows make several; a clock the tests can move.
    statementExecution: { chunkBytes: 16 * 1024, now: () => clock },
  });
  api = restApi(ws);
});

afterAll(async () => {
  await ws?.stop();
});

function execute(body: Record<string, unknown>) {
  return api.post(PATH, { warehouse_id: ws.warehouseId, ...body });
}

describe('execute, states and errors', () => {
  it('answers a quick statement inline, SUCCEEDED with a manifest, in one call', async () => {
    const response = await execute({
      statement:
        'SELECT n_nationkey, n_name FROM samples.tpch.nation WHERE n_nationkey < :k ORDER BY 1',
      parameters: [{ name: 'k', value: '3', type: 'INT' }],
    });
    expect(response.status).toBe(200);
    const body = response.json;
    expect(body.status).toEqual({ state: 'SUCCEEDED' });
    expect(body.statement_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.manifest).toMatchObject({
      format: 'JSON_ARRAY',
      schema: {
        column_count: 2,
        columns: [
          { name: 'n_nationkey', position: 0, type_name: 'LONG', type_text: 'BIGINT' },
          { name: 'n_name', position: 1, type_name: 'STRING', type_text: 'STRING' },
        ],
      },
      total_chunk_count: 1,
      total_row_count: 3,
      truncated: false,
    });
    expect(body.result).toEqual({
      chunk_index: 0,
      row_offset: 0,
      row_count: 3,
      data_array: [
        ['0', 'ALGERIA'],
        ['1', 'ARGENTINA'],
        ['2', 'BRAZIL'],
      ],
    });
  });

  it('prints every type as Databricks does in JSON_ARRAY (strings, hex BINARY, JSON nested)', async () => {
    const { json } = await execute({
      statement:
        "SELECT CAST(9007199254740993 AS BIGINT) AS big, CAST('12345678901234567890.1234567890' AS DECIMAL(38,10)) AS dec, " +
        "DATE'2024-02-29' AS d, TIMESTAMP'2024-02-29 13:14:15.123456' AS ts, unhex('01FF') AS bin, true AS b, " +
        "array(CAST(9007199254740993 AS BIGINT)) AS arr, map('k', 1) AS m, named_struct('x', 1, 'y', 'z') AS s, CAST(NULL AS INT) AS n",
    });
    expect(json.result.data_array).toEqual([
      [
        '9007199254740993',
        '12345678901234567890.1234567890',
        '2024-02-29',
        '2024-02-29T13:14:15.123456Z',
        '01FF',
        'true',
        '[9007199254740993]',
        '{"k":1}',
        '{"x":1,"y":"z"}',
        null,
      ],
    ]);
    const types = json.manifest.schema.columns.map((c: { type_name: string }) => c.type_name);
    expect(types).toEqual([
      'LONG',
      'DECIMAL',
      'DATE',
      'TIMESTAMP',
      'BINARY',
      'BOOLEAN',
      'ARRAY',
      'MAP',
      'STRUCT',
      'INT',
    ]);
    expect(json.manifest.schema.columns[1]).toMatchObject({ type_precision: 38, type_scale: 10 });
  });

  it('a failing statement is HTTP 200 with state FAILED, the error class and sql_state', async () => {
    const response = await execute({ statement: 'SELECT * FROM samples.tpch.nope' });
    expect(response.status).toBe(200);
    expect(response.json.status.state).toBe('FAILED');
    expect(response.json.status.error.error_code).toBe('BAD_REQUEST');
    expect(response.json.status.error.message).toMatch(/^\[TABLE_OR_VIEW_NOT_FOUND\]/);
    expect(response.json.status.sql_state).toBe('42P01');
    expect(response.json.manifest).toBeUndefined();
  });

  it('wait_timeout 0s answers PENDING at once; the statement is then polled to SUCCEEDED', async () => {
    const first = await execute({ statement: 'SELECT 41 + 1 AS answer', wait_timeout: '0s' });
    expect(first.json.status.state).toMatch(/^(PENDING|RUNNING)$/);
    expect(first.json.result).toBeUndefined();
    let current = first.json;
    for (let i = 0; i < 200 && current.status.state !== 'SUCCEEDED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      current = (await api.get(`${PATH}/${first.json.statement_id}`)).json;
    }
    expect(current.status.state).toBe('SUCCEEDED');
    expect(current.result.data_array).toEqual([['42']]);
  });

  it('on_wait_timeout CANCEL cancels a statement still running after wait_timeout', async () => {
    const response = await execute({
      statement: 'SELECT count(*) FROM range(100000000000)',
      wait_timeout: '5s',
      on_wait_timeout: 'CANCEL',
    });
    expect(response.json.status.state).toBe('CANCELED');
  });

  it('cancel stops a running statement (CANCELED), and is harmless when repeated', async () => {
    // Past wait_timeout the statement is surely running in the engine (a query cancelled before
    // DuckDB starts it cannot be interrupted, and would keep a core busy).
    const started = await execute({
      statement: 'SELECT count(*) FROM range(100000000000)',
      wait_timeout: '5s',
    });
    expect(started.json.status.state).toBe('RUNNING');
    const id = started.json.statement_id;
    expect((await api.post(`${PATH}/${id}/cancel`, {})).json).toEqual({});
    expect((await api.post(`${PATH}/${id}/cancel`, {})).status).toBe(200);
    const after = await api.get(`${PATH}/${id}`);
    expect(after.json.status.state).toBe('CANCELED');
    expect((await api.get(`${PATH}/${id}/result/chunks/0`)).status).toBe(400);
  });

  it('rejects bad requests with Databricks error bodies', async () => {
    const cases: Array<[Record<string, unknown>, number, string, RegExp]> = [
      [{ statement: '' }, 400, 'INVALID_PARAMETER_VALUE', /statement/],
      [
        { statement: 'SELECT 1', wait_timeout: '3s' },
        400,
        'INVALID_PARAMETER_VALUE',
        /0s, or between 5s and 50s/,
      ],
      [
        { statement: 'SELECT 1', format: 'ARROW_STREAM' },
        400,
        'INVALID_PARAMETER_VALUE',
        /EXTERNAL_LINKS/,
      ],
      [
        { statement: 'SELECT 1', disposition: 'SIDEWAYS' },
        400,
        'INVALID_PARAMETER_VALUE',
        /INLINE, EXTERNAL_LINKS/,
      ],
      [
        { statement: 'SELECT :a', parameters: [{ name: 'a', value: '[1]', type: 'ARRAY<INT>' }] },
        400,
        'INVALID_PARAMETER_VALUE',
        /not supported/,
      ],
      [{ statement: 'SELECT 1', warehouse_id: 'nope' }, 404, 'RESOURCE_DOES_NOT_EXIST', /nope/],
    ];
    for (const [body, status, code, message] of cases) {
      const response = await execute(body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.json.error_code).toBe(code);
      expect(response.json.message).toMatch(message);
    }
    const unknown = await api.get(`${PATH}/00000000-0000-0000-0000-000000000000`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const noToken = await call(ws, PATH, { method: 'POST', body: '{}' });
    expect(noToken.status).toBe(401);
  });

  it('row_limit cuts the result and says so; byte_limit too', async () => {
    const limited = await execute({ statement: 'SELECT * FROM range(100)', row_limit: 7 });
    expect(limited.json.manifest.total_row_count).toBe(7);
    expect(limited.json.manifest.truncated).toBe(true);
    expect(limited.json.result.data_array).toHaveLength(7);
    const exact = await execute({ statement: 'SELECT * FROM range(7)', row_limit: 7 });
    expect(exact.json.manifest.truncated).toBe(false);
    const bytes = await execute({ statement: 'SELECT * FROM range(100000)', byte_limit: 1000 });
    expect(bytes.json.manifest.truncated).toBe(true);
    expect(bytes.json.manifest.total_row_count).toBeLessThan(100_000);
  });

  it('results are CLOSED once their lifetime is over', async () => {
    const { json } = await execute({ statement: 'SELECT 1 AS x' });
    clock += 3601_000;
    try {
      const later = await api.get(`${PATH}/${json.statement_id}`);
      expect(later.json.status.state).toBe('CLOSED');
      expect(later.json.result).toBeUndefined();
    } finally {
      clock = Date.now();
    }
  });
});

describe('chunks', () => {
  it('INLINE results larger than one chunk link to the next chunk', async () => {
    const { json } = await execute({
      statement: "SELECT id, repeat('x', 20) AS pad FROM range(5000)",
    });
    const total = json.manifest.total_chunk_count;
    expect(total).toBeGreaterThan(2);
    const rows: string[][] = [...json.result.data_array];
    let next: string | undefined = json.result.next_chunk_internal_link;
    expect(json.result.next_chunk_index).toBe(1);
    while (next) {
      const chunk = (await api.get(next)).json;
      expect(chunk.row_offset).toBe(rows.length);
      rows.push(...chunk.data_array);
      next = chunk.next_chunk_internal_link;
    }
    expect(rows).toHaveLength(5000);
    expect(rows.at(-1)?.[0]).toBe('4999');
    expect(
      json.manifest.chunks
        .map((c: { row_count: number }) => c.row_count)
        .reduce((a: number, b: number) => a + b),
    ).toBe(5000);
  });

  async function links(format: string, statement: string) {
    const { json } = await execute({ statement, disposition: 'EXTERNAL_LINKS', format });
    expect(json.status.state).toBe('SUCCEEDED');
    expect(json.manifest.format).toBe(format);
    expect(json.manifest.total_byte_count).toBeGreaterThan(0);
    const bodies: Buffer[] = [];
    for (let index = 0; index < json.manifest.total_chunk_count; index++) {
      const data =
        index === 0
          ? json.result
          : (await api.get(`${PATH}/${json.statement_id}/result/chunks/${index}`)).json;
      expect(data.external_links).toHaveLength(1);
      const [link] = data.external_links;
      expect(link.chunk_index).toBe(index);
      expect(Date.parse(link.expiration)).toBeGreaterThan(Date.now());
      // No Authorization header: the URL alone is the credential.
      const download = await call(ws, link.external_link);
      expect(download.status).toBe(200);
      bodies.push(download.body);
    }
    return { json, bodies };
  }

  it('EXTERNAL_LINKS ARROW_STREAM: each chunk is an Arrow IPC stream with native types', async () => {
    const { json, bodies } = await links(
      'ARROW_STREAM',
      "SELECT id, CAST(id AS DECIMAL(20,2)) AS dec, DATE'2024-01-01' AS d, array(id) AS arr FROM range(3000)",
    );
    expect(bodies.length).toBeGreaterThan(1);
    let count = 0;
    for (const body of bodies) {
      const table = Arrow.tableFromIPC(body);
      expect(table.schema.fields.map((f) => String(f.type))).toEqual([
        'Int64',
        'Decimal[20e+2]',
        'Date32<DAY>',
        'List<Int64>',
      ]);
      count += table.numRows;
    }
    expect(count).toBe(3000);
    expect(Arrow.tableFromIPC(bodies[0]!).getChildAt(0)?.get(1)).toBe(1n);
    expect(json.manifest.chunks[1].row_offset).toBeGreaterThan(0);
  });

  it('EXTERNAL_LINKS CSV: RFC 4180, header in chunk 0 only, NULL as a bare null', async () => {
    const { bodies } = await links(
      'CSV',
      'SELECT id, CASE WHEN id % 2 = 0 THEN \'a,"b"\' END AS s FROM range(2000)',
    );
    const text = bodies.map((b) => b.toString('utf8'));
    expect(text[0]!.split('\r\n')[0]).toBe('id,s');
    expect(text[0]!.split('\r\n')[1]).toBe('0,"a,""b"""');
    expect(text[0]!.split('\r\n')[2]).toBe('1,null');
    expect(text[1]!.startsWith('id,')).toBe(false);
  });

  it('EXTERNAL_LINKS JSON_ARRAY: compact JSON arrays of strings', async () => {
    const { bodies } = await links('JSON_ARRAY', 'SELECT id FROM range(3000)');
    const rows = bodies.flatMap((b) => JSON.parse(b.toString('utf8')) as string[][]);
    expect(rows).toHaveLength(3000);
    expect(rows[2999]).toEqual(['2999']);
  });

  it('links refuse a workspace token, a forged signature, and expire', async () => {
    const { json } = await execute({
      statement: 'SELECT 1 AS x',
      disposition: 'EXTERNAL_LINKS',
      format: 'ARROW_STREAM',
    });
    const url: string = json.result.external_links[0].external_link;
    const withToken = await call(ws, url, { headers: { authorization: `Bearer ${ws.token}` } });
    expect(withToken.status).toBe(400);
    expect(withToken.text).toContain('<Code>InvalidArgument</Code>');
    const forged = await call(ws, url.replace(/signature=[0-9a-f]{4}/, 'signature=0000'));
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect((await call(ws, url)).status).toBe(200);
    clock += 901_000;
    try {
      const expired = await call(ws, url);
      expect(expired.status).toBe(403);
      expect(expired.text).toContain('Request has expired');
    } finally {
      clock = Date.now();
    }
    ws.statementExecution.expireLinks();
    expect((await call(ws, url)).status).toBe(403);
    // A fresh link for the same chunk works.
    const fresh = await api.get(`${PATH}/${json.statement_id}/result/chunks/0`);
    expect((await call(ws, fresh.json.external_links[0].external_link)).status).toBe(200);
    const records = ws.statementExecution.linkRequests.filter(
      (r) => r.statementId === json.statement_id,
    );
    expect(records.map((r) => [r.authorization, r.status])).toEqual([
      [true, 400],
      [false, 403],
      [false, 200],
      [false, 403],
      [false, 403],
      [false, 200],
    ]);
  });

  it('an empty result has one empty chunk (for Arrow, still the schema)', async () => {
    const { json, bodies } = await links('ARROW_STREAM', 'SELECT id FROM range(0)');
    expect(json.manifest.total_row_count).toBe(0);
    expect(bodies).toHaveLength(1);
    expect(Arrow.tableFromIPC(bodies[0]!).schema.fields[0]?.name).toBe('id');
  });
});
