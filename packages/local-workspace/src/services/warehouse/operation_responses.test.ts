import { describe, expect, it } from 'vitest';
import { MaterializedResult } from '../../engine/duckdb/result.js';
import type { ColumnMetadata, EngineValue } from '../../engine/sql_engine.js';
import { Arrow, type ArrowOptions } from './arrow_types.js';
import { OperationResponses } from './operation_responses.js';
import { Operation } from './operations.js';
import { OperationType, type ThriftStruct } from './thrift_types.js';

const { RecordBatchReader } = Arrow;

const PLAIN: ArrowOptions = {
  timestampAsArrow: false,
  decimalAsArrow: false,
  complexTypesAsArrow: false,
};
const NATIVE: ArrowOptions = {
  timestampAsArrow: true,
  decimalAsArrow: true,
  complexTypesAsArrow: true,
};

const column = (name: string, type: string, comment?: string): ColumnMetadata => ({
  name,
  type,
  baseType: (/^[A-Z_]+/i.exec(type)?.[0] ?? 'STRING').toUpperCase(),
  nullable: true,
  ...(comment ? { comment } : {}),
});

/** A finished statement with these columns and rows, its client reading Arrow with `options`. */
async function finished(
  responses: OperationResponses,
  columns: ColumnMetadata[],
  rows: EngineValue[][],
  options?: ArrowOptions,
): Promise<Operation> {
  const operation = new Operation('session', OperationType.EXECUTE_STATEMENT, async () => {
    return new MaterializedResult(columns, rows);
  });
  if (options) responses.readArrow(operation, options);
  await operation.waitUntilSettled();
  return operation;
}

/** The rows a client reads from the metadata's Arrow schema and the page's batches. */
function arrowRows(metadata: ThriftStruct, page: ThriftStruct): unknown[][] {
  const bytes = [
    metadata.arrowSchema,
    ...page.results.arrowBatches.map((b: ThriftStruct) => b.batch),
  ];
  const rows: unknown[][] = [];
  for (const batch of RecordBatchReader.from(Buffer.concat(bytes))) {
    for (const row of batch) rows.push(Object.values(row?.toJSON() ?? {}));
  }
  return rows;
}

describe('result shapes shared across operations', () => {
  it('reuses the schema and Arrow encoder of statements with the same columns', async () => {
    const responses = new OperationResponses();
    const columns = [column('x', 'INT'), column('s', 'STRING')];
    const first = await finished(responses, columns, [[1, 'a']], PLAIN);
    const second = await finished(responses, columns, [[2, 'b']], PLAIN);
    const firstMetadata = responses.metadata(first);
    const secondMetadata = responses.metadata(second);
    // The same schema message (the generated response constructor copies the table schema).
    expect(secondMetadata.arrowSchema).toBe(firstMetadata.arrowSchema);
    expect(secondMetadata.schema).toEqual(firstMetadata.schema);
    expect(arrowRows(firstMetadata, await responses.fetch(first, 100, true))).toEqual([[1, 'a']]);
    expect(arrowRows(secondMetadata, await responses.fetch(second, 100, true))).toEqual([[2, 'b']]);
  });

  it('builds a new shape when a type, a comment or the Arrow options differ', async () => {
    const responses = new OperationResponses();
    const asInt = await finished(responses, [column('x', 'INT')], [[7]], PLAIN);
    const asString = await finished(responses, [column('x', 'STRING')], [['7']], PLAIN);
    const commented = await finished(responses, [column('x', 'INT', 'the x')], [[7]], PLAIN);
    const native = await finished(
      responses,
      [column('t', 'TIMESTAMP')],
      [['2024-01-02 03:04:05']],
      NATIVE,
    );
    const text = await finished(
      responses,
      [column('t', 'TIMESTAMP')],
      [['2024-01-02 03:04:05']],
      PLAIN,
    );
    const intMetadata = responses.metadata(asInt);
    const stringMetadata = responses.metadata(asString);
    expect(stringMetadata.arrowSchema).not.toEqual(intMetadata.arrowSchema);
    expect(arrowRows(stringMetadata, await responses.fetch(asString, 100, true))).toEqual([['7']]);
    expect(arrowRows(intMetadata, await responses.fetch(asInt, 100, true))).toEqual([[7]]);
    expect(responses.metadata(commented).schema.columns[0].comment).toBe('the x');
    expect(intMetadata.schema.columns[0].comment ?? undefined).toBeUndefined();
    expect(responses.metadata(native).arrowSchema).not.toEqual(
      responses.metadata(text).arrowSchema,
    );
    // A client without Arrow gets column-based results, whatever shapes other clients use.
    const columnBased = await finished(responses, [column('x', 'INT')], [[7]]);
    expect(responses.metadata(columnBased).arrowSchema ?? undefined).toBeUndefined();
    expect((await responses.fetch(columnBased, 100, true)).results.columns).toHaveLength(1);
  });
});
