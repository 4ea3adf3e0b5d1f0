/**
 * Unity Catalog functions as tools against @lakechain/local-workspace (its real engine and Unity
 * Catalog REST API), once per SQL transport: functions created with the helpers, a schema's tools
 * listed and described, a SQL scalar, a SQL table function and a Python function called with
 * named parameters (every kind of value), results cut to the limits, SQL errors handed to the
 * model, `system.ai.python_exec`. Python functions need `python3` (or LAKECHAIN_PYTHON); under
 * CI a missing interpreter fails the test.
 */
import { spawnSync } from 'node:child_process';
import { type LocalWorkspace, startLocalWorkspace } from '@lakechain/local-workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabricksSqlDatabase } from '../sql_database.js';
import { createPythonFunction, createSqlFunction } from './create_function.js';
import { UCFunctionError } from './errors.js';
import { functionsConnection, UCFunctionsApi } from './function_client.js';
import { createPythonExecTool } from './python_exec.js';
import { UCFunctionTool } from './tool.js';
import { UCFunctionToolkit } from './toolkit.js';

const TRANSPORTS = ['thrift', 'rest'] as const;

const python = process.env.LAKECHAIN_PYTHON || 'python3';
const pythonMissing = spawnSync(python, ['--version']).status !== 0;
if (pythonMissing && process.env.CI)
  throw new Error(
    `${python} was not found: install Python 3 (apt-get install python3) or set LAKECHAIN_PYTHON.`,
  );
if (pythonMissing) console.warn(`skipping the Python function tests: ${python} was not found`);

let ws: LocalWorkspace;
let admin: DatabricksSqlDatabase;

function connect(transport: 'thrift' | 'rest', extra: Record<string, unknown> = {}) {
  return DatabricksSqlDatabase.fromDatabricks({
    host: ws.host,
    token: ws.token,
    warehouseId: ws.warehouseId,
    caCert: ws.caCert,
    catalog: 'main',
    schema: 'tools',
    transport,
    ...extra,
  });
}

beforeAll(async () => {
  ws = await startLocalWorkspace({
    catalog: { samples: false, pythonFunctions: { python, timeoutMs: 10_000 } },
  });
  const session = await ws.engine.openSession({});
  for (const statement of [
    'CREATE SCHEMA main.tools',
    'CREATE SCHEMA main.empty',
    'CREATE TABLE main.tools.orders (id BIGINT, region STRING, amount DECIMAL(10,2))',
    "INSERT INTO main.tools.orders VALUES (1, 'EU', 10.00), (2, 'US', 20.00), (3, 'EU', 5.50), (4, 'EU', 7.25)",
  ])
    await (await session.execute(statement, {}, new AbortController().signal)).close();
  await session.close();
  // The functions are made with the package's helpers, over the Thrift transport.
  admin = await connect('thrift', { readOnly: false });
  await createSqlFunction(admin, {
    name: 'main.tools.add_tax',
    comment: "The amount with tax (the region's rate when none is given)",
    parameters: [
      { name: 'amount', type: 'DECIMAL(10,2)', comment: 'Net amount' },
      {
        name: 'rate',
        type: 'DOUBLE',
        default: 0.2,
        comment: "Tax rate, 0.2 is 20%; it's optional",
      },
    ],
    returns: 'DECIMAL(12,2)',
    body: 'amount * (1 + rate)',
  });
  await createSqlFunction(admin, {
    name: 'main.tools.orders_in',
    comment: 'Orders of a region, largest first',
    parameters: [
      { name: 'region', type: 'STRING', comment: 'EU or US' },
      { name: 'min_amount', type: 'DOUBLE', default: 0 },
    ],
    returns: {
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'amount', type: 'DECIMAL(10,2)', comment: 'Order amount' },
      ],
    },
    body: 'SELECT id, amount FROM main.tools.orders o WHERE o.region = orders_in.region AND o.amount >= orders_in.min_amount ORDER BY amount DESC',
  });
  await createSqlFunction(admin, {
    name: 'main.tools.ratio',
    comment: 'a divided by b',
    parameters: [
      { name: 'a', type: 'INT' },
      { name: 'b', type: 'INT' },
    ],
    returns: 'DOUBLE',
    body: 'RETURN a / b',
  });
  await createSqlFunction(admin, {
    name: 'main.tools.typed',
    comment: 'Describes every kind of value it gets',
    parameters: [
      { name: 'd', type: 'DATE' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'big', type: 'BIGINT' },
      { name: 'flag', type: 'BOOLEAN' },
      { name: 'tags', type: 'ARRAY<STRING>' },
      { name: 'scores', type: 'MAP<STRING, INT>' },
      { name: 'point', type: 'STRUCT<x: INT, y: INT>' },
      { name: 'raw', type: 'BINARY' },
    ],
    returns: 'STRING',
    body: `concat_ws('|', CAST(date_add(d, 1) AS STRING), CAST(year(ts) AS STRING), CAST(big + 1 AS STRING),
      CAST(NOT flag AS STRING), array_join(tags, '+'), CAST(scores['b'] AS STRING),
      CAST(point.x + point.y AS STRING), hex(raw))`,
  });
  if (!pythonMissing) {
    await createPythonFunction(admin, {
      name: 'main.tools.spin',
      comment: 'Never returns',
      returns: 'INT',
      body: 'while True:\n    pass',
    });
    await createPythonFunction(admin, {
      name: 'main.tools.shout',
      comment: 'Repeats a text loudly',
      parameters: [
        { name: 'text', type: 'STRING', comment: 'What to say' },
        { name: 'times', type: 'INT', comment: 'How many times' },
      ],
      returns: 'STRING',
      body: `
        words = [text.upper()] * times
        return " ".join(words)
      `,
    });
  }
}, 60_000);

afterAll(async () => {
  await admin?.close();
  await ws?.stop();
});

describe('the Unity Catalog functions API', () => {
  it('lists a schema across pages', async () => {
    const connection = functionsConnection({ host: ws.host, token: ws.token, caCert: ws.caCert });
    try {
      const names = (await new UCFunctionsApi(connection, 2).list('main', 'tools')).map(
        (info) => info.name,
      );
      expect(names).toEqual(
        [
          'add_tax',
          'orders_in',
          'ratio',
          'typed',
          ...(pythonMissing ? [] : ['shout', 'spin']),
        ].sort(),
      );
    } finally {
      await connection.close();
    }
  });
});

describe.each(TRANSPORTS)('%s transport', (transport) => {
  let db: DatabricksSqlDatabase;
  let toolkit: UCFunctionToolkit;
  const tool = (name: string) => {
    const found = toolkit.getTool(name);
    if (!found) throw new Error(`no tool ${name}`);
    return found;
  };

  beforeAll(async () => {
    // The database the tools run on keeps its default read-only guard.
    db = await connect(transport);
    toolkit = await UCFunctionToolkit.create({ database: db, catalog: 'main', schema: 'tools' });
  });

  afterAll(async () => {
    await db?.close();
  });

  it("lists a schema's functions as tools named catalog__schema__function", () => {
    expect(toolkit.getTools().map((t) => t.name)).toEqual([
      'main__tools__add_tax',
      'main__tools__orders_in',
      'main__tools__ratio',
      ...(pythonMissing ? [] : ['main__tools__shout', 'main__tools__spin']),
      'main__tools__typed',
    ]);
    const addTax = tool('main.tools.add_tax');
    expect(addTax.description).toContain(
      "The amount with tax (the region's rate when none is given)",
    );
    expect(addTax.description).toContain(
      "- rate (DOUBLE, optional, default 0.2): Tax rate, 0.2 is 20%; it's optional",
    );
    const schema = addTax.schema.toJSONSchema() as {
      properties: Record<string, { description?: string }>;
      required: string[];
    };
    expect(schema.required).toEqual(['amount']);
    expect(schema.properties.amount?.description).toContain('Net amount');
    expect(tool('main__tools__orders_in').description).toContain(
      'Returns rows (id bigint, amount decimal(10,2))',
    );
  });

  it('calls a SQL scalar function with named parameters (defaults left out)', async () => {
    expect(JSON.parse(await tool('main.tools.add_tax').invoke({ amount: 10 }))).toEqual({
      format: 'SCALAR',
      value: '12.00',
    });
    expect(
      JSON.parse(await tool('main.tools.add_tax').invoke({ amount: '100.50', rate: 0.1 })),
    ).toEqual({ format: 'SCALAR', value: '110.55' });
    // A value is a parameter, never SQL: quotes and comments in it are just text.
    const injected = await tool('main.tools.orders_in').invoke({ region: "EU' OR 1=1 --" });
    expect(JSON.parse(injected)).toEqual({ format: 'CSV', value: 'id,amount\n', truncated: false });
  });

  it('calls a SQL table function, rows as CSV within the row limit', async () => {
    expect(JSON.parse(await tool('main.tools.orders_in').invoke({ region: 'EU' }))).toEqual({
      format: 'CSV',
      value: 'id,amount\n1,10.00\n4,7.25\n3,5.50\n',
      truncated: false,
    });
    expect(
      JSON.parse(await tool('main.tools.orders_in').invoke({ region: 'EU', min_amount: 6 })),
    ).toEqual({ format: 'CSV', value: 'id,amount\n1,10.00\n4,7.25\n', truncated: false });
    const limited = await UCFunctionTool.fromName('main.tools.orders_in', {
      database: db,
      maxRows: 2,
    });
    expect(JSON.parse(await limited.invoke({ region: 'EU' }))).toEqual({
      format: 'CSV',
      value: 'id,amount\n1,10.00\n4,7.25\n',
      truncated: true,
    });
    const short = await UCFunctionTool.fromName('main.tools.orders_in', {
      database: db,
      maxChars: 20,
    });
    expect(JSON.parse(await short.invoke({ region: 'EU' }))).toEqual({
      format: 'CSV',
      value: 'id,amount\n1,10.00\n',
      truncated: true,
    });
  });

  it('passes every kind of value: dates, timestamps, big integers, arrays, maps, structs, binary', async () => {
    const answer = await tool('main.tools.typed').invoke({
      d: '2024-02-28',
      ts: '2023-06-01T12:00:00Z',
      big: '9007199254740993',
      flag: false,
      tags: ['a', 'b'],
      scores: { a: 1, b: 2 },
      point: { x: 3, y: 4 },
      raw: Buffer.from('hello').toString('base64'),
    });
    expect(JSON.parse(answer)).toEqual({
      format: 'SCALAR',
      value: '2024-02-29|2023|9007199254740994|true|a+b|2|7|68656C6C6F',
    });
  });

  it('returns SQL errors and refused values to the model instead of throwing', async () => {
    const failed = JSON.parse(await tool('main.tools.ratio').invoke({ a: 1, b: 0 })) as {
      error: string;
    };
    expect(failed.error).toMatch(/DIVIDE_BY_ZERO/);
    // The text-to-SQL hints (table info, aliases) are not for a function call.
    expect(failed.error).not.toContain('Hint:');
    const unknownRegion = JSON.parse(
      await tool('main.tools.typed').invoke({
        d: '2024-02-28',
        ts: 'not a time',
        big: 1,
        flag: true,
        tags: [],
        scores: {},
        point: { x: 1, y: 1 },
        raw: '',
      }),
    ) as { error: string };
    expect(unknownRegion.error).toMatch(/CAST|TIMESTAMP|timestamp/);
    // A value the schema refuses never reaches SQL: LangChain reports it (an agent's tool node
    // hands it to the model).
    await expect(tool('main.tools.ratio').invoke({ a: 1.5, b: 1 })).rejects.toThrow(
      /did not match expected schema/,
    );
  });

  it.skipIf(pythonMissing)('calls a Python function', async () => {
    expect(JSON.parse(await tool('main__tools__shout').invoke({ text: 'hi', times: 2 }))).toEqual({
      format: 'SCALAR',
      value: 'HI HI',
    });
    expect(JSON.parse(await tool('main__tools__shout').invoke({ text: 'yo', times: 3 }))).toEqual({
      format: 'SCALAR',
      value: 'YO YO YO',
    });
  });

  it.skipIf(pythonMissing)('returns a call past queryTimeout to the model, cancelled', async () => {
    const spin = await UCFunctionTool.fromName('main.tools.spin', {
      database: db,
      queryTimeout: 1,
    });
    const answer = JSON.parse(await spin.invoke({})) as { error: string };
    expect(answer.error).toMatch(/timeout|timed out|cancel/i);
  });

  it.skipIf(pythonMissing)(
    'runs system.ai.python_exec, built in or read from Unity Catalog',
    async () => {
      const exec = createPythonExecTool({ database: db });
      expect(exec.name).toBe('system__ai__python_exec');
      expect(JSON.parse(await exec.invoke({ code: 'print(sum(range(10)))' }))).toEqual({
        format: 'SCALAR',
        value: '45\n',
      });
      const listed = await UCFunctionToolkit.create({
        database: db,
        functionNames: ['system.ai.python_exec'],
      });
      expect(listed.getTools().map((t) => t.name)).toEqual(['system__ai__python_exec']);
      expect(JSON.parse(await listed.getTools()[0]!.invoke({ code: 'print("ok")' }))).toEqual({
        format: 'SCALAR',
        value: 'ok\n',
      });
    },
  );

  it('takes function names with * globs, and says what is missing', async () => {
    const some = await UCFunctionToolkit.create({
      database: db,
      functionNames: ['main.tools.*_in', 'main.tools.add_tax', 'main.empty.*'],
    });
    expect(some.getTools().map((t) => t.functionName)).toEqual([
      'main.tools.orders_in',
      'main.tools.add_tax',
    ]);
    const missing = await UCFunctionToolkit.create({
      database: db,
      functionNames: ['main.tools.nope'],
    }).catch((error: unknown) => error);
    expect(UCFunctionError.isInstance(missing)).toBe(true);
    expect((missing as UCFunctionError).reason).toBe('not_found');
    expect((missing as Error).message).toContain('main.tools.nope');
    const noSchema = await UCFunctionToolkit.create({
      database: db,
      catalog: 'main',
      schema: 'nowhere',
    }).catch((error: unknown) => error);
    expect((noSchema as UCFunctionError).reason).toBe('not_found');
  });
});
