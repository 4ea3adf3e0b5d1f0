import { describe, expect, it } from 'vitest';
import type { DatabricksSqlDatabase } from '../sql_database.js';
import { UCFunctionError } from './errors.js';
import { createPythonExecTool } from './python_exec.js';
import { UCFunctionTool } from './tool.js';
import { UCFunctionToolkit } from './toolkit.js';

// Option checks run before anything touches the database or the network.
const database = { query() {}, run() {} } as unknown as DatabricksSqlDatabase;

async function reasonOf(promise: Promise<unknown>): Promise<[string, string]> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(UCFunctionError.isInstance(error)).toBe(true);
  return [(error as UCFunctionError).reason, (error as Error).message];
}

describe('UCFunctionToolkit options', () => {
  it('needs a database and says which functions', async () => {
    expect(await reasonOf(UCFunctionToolkit.create({ functionNames: ['a.b.*'] } as never))).toEqual(
      ['invalid', expect.stringContaining('`database` must be a DatabricksSqlDatabase')],
    );
    expect(await reasonOf(UCFunctionToolkit.create({ database }))).toEqual([
      'invalid',
      expect.stringContaining('`functionNames` (["main.tools.*"]) or `catalog` and `schema`'),
    ]);
    expect(
      await reasonOf(
        UCFunctionToolkit.create({ database, functionNames: ['a.b.c'], catalog: 'a', schema: 'b' }),
      ),
    ).toEqual(['invalid', expect.stringContaining('not both')]);
    expect(
      await reasonOf(UCFunctionToolkit.create({ database, functionNames: ['a.b.c'], maxRows: 0 })),
    ).toEqual(['invalid', expect.stringContaining('`maxRows` must be a positive integer')]);
    expect(
      await reasonOf(UCFunctionToolkit.create({ database, functionNames: ['just_a_name'] })),
    ).toEqual(['invalid', expect.stringContaining('catalog.schema.function')]);
  });
});

describe('system.ai.python_exec', () => {
  it('is a tool with one required code parameter', () => {
    const tool = createPythonExecTool({ database });
    expect(tool).toBeInstanceOf(UCFunctionTool);
    expect(tool.name).toBe('system__ai__python_exec');
    expect(tool.description).toMatch(/^Executes Python code/);
    expect(tool.schema.toJSONSchema()).toMatchObject({
      required: ['code'],
      properties: { code: { type: 'string', description: expect.stringContaining('print') } },
    });
  });
});
