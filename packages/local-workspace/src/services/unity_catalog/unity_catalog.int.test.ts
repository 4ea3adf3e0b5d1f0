/**
 * The Unity Catalog functions REST API against the engine's function catalog: functions made
 * with SQL are listed and described in `FunctionInfo` shape, functions made by the API are called
 * from SQL over both the Thrift warehouse (the unmodified `@databricks/sql` driver) and the
 * Statement Execution API, paging, owner updates, deletes and Databricks' error codes.
 */
import { DBSQLParameter, type DBSQLParameterType } from '@databricks/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { type Client, connectDriver } from '../warehouse/testing/driver.js';
import { httpsRequest } from '../warehouse/testing/https.js';

type Json = Record<string, unknown>;

let ws: LocalWorkspace;
let driver: Client;

async function api(method: string, path: string, body?: unknown) {
  const response = await httpsRequest(`${ws.host}${path}`, {
    ca: ws.caCert,
    method,
    headers: { authorization: `Bearer ${ws.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: JSON.parse(response.body || '{}') as Json };
}

async function sql(statement: string) {
  const session = await ws.engine.openSession({});
  try {
    const result = await session.execute(statement, {}, new AbortController().signal);
    await result.close();
  } finally {
    await session.close();
  }
}

/** Rows of a statement through the Thrift driver with named parameters. */
async function thrift(statement: string, namedParameters: Record<string, unknown>) {
  const session = await driver.openSession();
  try {
    const operation = await session.executeStatement(statement, { namedParameters } as never);
    const rows = await operation.fetchAll();
    await operation.close();
    return rows;
  } finally {
    await session.close();
  }
}

/** `data_array` of a statement through the Statement Execution API. */
async function rest(statement: string, parameters: Json[]) {
  const { json } = await api('POST', '/api/2.0/sql/statements', {
    statement,
    warehouse_id: ws.warehouseId,
    parameters,
    wait_timeout: '30s',
  });
  expect((json.status as Json).state).toBe('SUCCEEDED');
  return (json.result as Json).data_array;
}

beforeAll(async () => {
  ws = await startLocalWorkspace({ catalog: { samples: false } });
  driver = await connectDriver(ws);
  await sql('CREATE SCHEMA main.uc');
  await sql(
    'CREATE TABLE main.uc.orders (id BIGINT, region STRING, amount DECIMAL(10,2), placed DATE)',
  );
  await sql(
    "INSERT INTO main.uc.orders VALUES (1, 'EU', 10.00, DATE'2024-01-02'), (2, 'US', 20.00, DATE'2024-02-03'), (3, 'EU', 5.50, DATE'2024-03-04')",
  );
  await sql('USE main.uc');
  await sql(
    `CREATE FUNCTION main.uc.orders_in(region STRING COMMENT 'EU or US', min_amount DOUBLE DEFAULT 0)
     RETURNS TABLE (id BIGINT COMMENT 'Order id', amount DECIMAL(10,2), placed DATE)
     COMMENT 'Orders of a region'
     RETURN SELECT id, amount, placed FROM main.uc.orders o WHERE o.region = orders_in.region AND amount >= min_amount ORDER BY id`,
  );
});

afterAll(async () => {
  await driver?.close();
  await ws?.stop();
});

describe('FunctionInfo of SQL-created functions', () => {
  it('a table function: TABLE_TYPE, return_params, input_params with type_json and defaults', async () => {
    const { status, json } = await api('GET', '/api/2.1/unity-catalog/functions/main.uc.orders_in');
    expect(status).toBe(200);
    expect(json).toMatchObject({
      name: 'orders_in',
      catalog_name: 'main',
      schema_name: 'uc',
      full_name: 'main.uc.orders_in',
      comment: 'Orders of a region',
      data_type: 'TABLE_TYPE',
      full_data_type: 'TABLE(id BIGINT, amount DECIMAL(10,2), placed DATE)',
      routine_body: 'SQL',
      sql_data_access: 'READS_SQL_DATA',
      is_deterministic: true,
      parameter_style: 'S',
      security_type: 'DEFINER',
      specific_name: 'orders_in',
      owner: 'local-user@localhost',
    });
    expect(String(json.routine_definition)).toMatch(/^SELECT id, amount, placed FROM/);
    const parameters = (json.input_params as Json).parameters as Json[];
    expect(parameters).toEqual([
      {
        name: 'region',
        type_text: 'string',
        type_name: 'STRING',
        type_json:
          '{"name":"region","type":"string","nullable":true,"metadata":{"comment":"EU or US"}}',
        position: 0,
        parameter_mode: 'IN',
        parameter_type: 'PARAM',
        comment: 'EU or US',
      },
      {
        name: 'min_amount',
        type_text: 'double',
        type_name: 'DOUBLE',
        type_json: '{"name":"min_amount","type":"double","nullable":true,"metadata":{}}',
        position: 1,
        parameter_mode: 'IN',
        parameter_type: 'PARAM',
        parameter_default: '0',
      },
    ]);
    const columns = (json.return_params as Json).parameters as Json[];
    expect(columns.map((c) => [c.name, c.type_text, c.parameter_type, c.comment])).toEqual([
      ['id', 'bigint', 'COLUMN', 'Order id'],
      ['amount', 'decimal(10,2)', 'COLUMN', undefined],
      ['placed', 'date', 'COLUMN', undefined],
    ]);
    expect(columns[1]).toMatchObject({ type_name: 'DECIMAL', type_precision: 10, type_scale: 2 });
  });

  it('lists a schema, with paging; system.ai holds python_exec', async () => {
    await sql('CREATE FUNCTION main.uc.a_first() RETURNS INT RETURN 1');
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const { json } = await api(
        'GET',
        `/api/2.1/unity-catalog/functions?catalog_name=main&schema_name=uc&max_results=1${token ? `&page_token=${token}` : ''}`,
      );
      for (const f of json.functions as Json[]) names.push(String(f.full_name));
      token = json.next_page_token as string | undefined;
      pages++;
    } while (token);
    expect(names).toEqual(['main.uc.a_first', 'main.uc.orders_in']);
    expect(pages).toBe(2);
    const { json: system } = await api(
      'GET',
      '/api/2.1/unity-catalog/functions?catalog_name=system&schema_name=ai',
    );
    const [pythonExec] = system.functions as Json[];
    expect(pythonExec).toMatchObject({
      full_name: 'system.ai.python_exec',
      routine_body: 'EXTERNAL',
      external_language: 'Python',
      data_type: 'STRING',
    });
    await sql('DROP FUNCTION main.uc.a_first');
  });
});

describe('functions created by the API are called from SQL', () => {
  it('scalar and table functions over Thrift and the Statement Execution API, named parameters', async () => {
    const created = await api('POST', '/api/2.1/unity-catalog/functions', {
      function_info: {
        name: 'with_tax',
        catalog_name: 'main',
        schema_name: 'uc',
        input_params: {
          parameters: [
            { name: 'amount', type_text: 'decimal(10,2)', type_name: 'DECIMAL', position: 0 },
            {
              name: 'rate',
              type_name: 'DOUBLE',
              type_json: '{"name":"rate","type":"double","nullable":true,"metadata":{}}',
              position: 1,
              parameter_default: '0.25',
            },
          ],
        },
        data_type: 'DECIMAL',
        full_data_type: 'DECIMAL(12,2)',
        routine_body: 'SQL',
        routine_definition: 'amount * (1 + rate)',
        parameter_style: 'S',
        is_deterministic: true,
        sql_data_access: 'CONTAINS_SQL',
        is_null_call: false,
        security_type: 'DEFINER',
        specific_name: 'with_tax',
      },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ full_name: 'main.uc.with_tax', data_type: 'DECIMAL' });

    expect(
      await thrift('SELECT main.uc.with_tax(:a) AS v', {
        a: new DBSQLParameter({ type: 'DECIMAL(10,2)' as DBSQLParameterType, value: '10.00' }),
      }),
    ).toEqual([{ v: 12.5 }]);
    expect(
      await rest('SELECT main.uc.with_tax(:a, rate => :r) AS v', [
        { name: 'a', value: '10.00', type: 'DECIMAL(10,2)' },
        { name: 'r', value: '0.5', type: 'DOUBLE' },
      ]),
    ).toEqual([['15.00']]);

    expect(
      await thrift('SELECT * FROM main.uc.orders_in(:region, min_amount => :m)', {
        region: 'EU',
        m: 6,
      }),
    ).toEqual([{ id: 1, amount: 10, placed: new Date('2024-01-02T00:00:00.000Z') }]);
    expect(
      await rest('SELECT * FROM main.uc.orders_in(:region)', [{ name: 'region', value: 'EU' }]),
    ).toEqual([
      ['1', '10.00', '2024-01-02'],
      ['3', '5.50', '2024-03-04'],
    ]);
  });

  it('errors: unknown function, missing schema, duplicate, bad body', async () => {
    const missing = await api('GET', '/api/2.1/unity-catalog/functions/main.uc.nope');
    expect(missing).toEqual({
      status: 404,
      json: {
        error_code: 'FUNCTION_DOES_NOT_EXIST',
        message: "Routine or Model 'main.uc.nope' does not exist.",
      },
    });
    const schema = await api(
      'GET',
      '/api/2.1/unity-catalog/functions?catalog_name=main&schema_name=nowhere',
    );
    expect(schema.status).toBe(404);
    expect(schema.json.error_code).toBe('SCHEMA_DOES_NOT_EXIST');
    const duplicate = await api('POST', '/api/2.1/unity-catalog/functions', {
      function_info: {
        name: 'orders_in',
        catalog_name: 'main',
        schema_name: 'uc',
        data_type: 'INT',
        full_data_type: 'INT',
        routine_body: 'SQL',
        routine_definition: '1',
      },
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.error_code).toBe('FUNCTION_ALREADY_EXISTS');
    const broken = await api('POST', '/api/2.1/unity-catalog/functions', {
      function_info: {
        name: 'broken',
        catalog_name: 'main',
        schema_name: 'uc',
        data_type: 'INT',
        full_data_type: 'INT',
        routine_body: 'SQL',
        routine_definition: 'no_such_column + 1',
      },
    });
    expect(broken.status).toBe(400);
    expect(broken.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(String(broken.json.message)).toContain('no_such_column');
  });

  it('PATCH changes the owner; DELETE drops the function and its macro', async () => {
    const patched = await api('PATCH', '/api/2.1/unity-catalog/functions/main.uc.with_tax', {
      owner: 'someone@example.com',
    });
    expect(patched.json.owner).toBe('someone@example.com');
    expect((await api('DELETE', '/api/2.1/unity-catalog/functions/main.uc.with_tax')).status).toBe(
      200,
    );
    const call = await api('POST', '/api/2.0/sql/statements', {
      statement: 'SELECT main.uc.with_tax(1)',
      warehouse_id: ws.warehouseId,
    });
    expect((call.json.status as Json).state).toBe('FAILED');
    expect(((call.json.status as Json).error as Json).message).toContain('UNRESOLVED_ROUTINE');
  });
});
