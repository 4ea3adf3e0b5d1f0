/**
 * Encoding engine rows into ARROW_BASED_SET results, the way a Databricks SQL warehouse answers a
 * client that advertises `canReadArrowResult`: the Arrow IPC *stream* schema message travels once
 * in `TGetResultSetMetadataResp.arrowSchema`, each page travels as one IPC record-batch message in
 * `TRowSet.arrowBatches[{batch, rowCount}]`. The driver concatenates `[arrowSchema, ...batches]`
 * and reads them with `RecordBatchReader.from` (apache-arrow 13, the version it ships with).
 *
 * Types follow Databricks (`arrow_types.ts`); values are converted by `arrow_values.ts` and
 * written column by column by `arrow_columns.ts`.
 */
import type { ColumnMetadata, EngineValue } from '../../engine/sql_engine.js';
import { encodeColumn } from './arrow_columns.js';
import {
  Arrow,
  type ArrowOptions,
  type ArrowTypes,
  arrowTypeOf,
  parseTypeName,
  type TypeNode,
} from './arrow_types.js';

const { Field, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct } = Arrow;
type Schema = ArrowTypes.Schema;

/** Length of the first message of an IPC stream (continuation, length, metadata; no body). */
function firstMessageLength(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const continuation = view.getInt32(0, true) === -1;
  const metadataLength = view.getInt32(continuation ? 4 : 0, true);
  return (continuation ? 8 : 4) + metadataLength;
}

/** One operation's Arrow encoding: its schema message and its pages as record-batch messages. */
export class ArrowEncoder {
  readonly schema: Schema;
  /** The IPC stream schema message (`arrowSchema` of the result set metadata). */
  readonly schemaBytes: Buffer;
  private readonly nodes: TypeNode[];
  private readonly schemaLength: number;

  constructor(
    readonly columns: ColumnMetadata[],
    readonly options: ArrowOptions,
  ) {
    this.nodes = columns.map((column) => parseTypeName(column.type || column.baseType));
    this.schema = new Schema(
      columns.map(
        (column, index) =>
          new Field(column.name, arrowTypeOf(this.nodes[index] as TypeNode, options), true),
      ),
    );
    const empty = this.streamBytes([]);
    this.schemaLength = firstMessageLength(empty);
    this.schemaBytes = Buffer.from(empty.subarray(0, this.schemaLength));
  }

  private streamBytes(rows: EngineValue[][]): Uint8Array {
    const children = this.schema.fields.map((field, index) =>
      encodeColumn(field, this.nodes[index] as TypeNode, this.options, rows, index),
    );
    const batch = new RecordBatch(
      this.schema,
      makeData({
        type: new Struct(this.schema.fields),
        length: rows.length,
        nullCount: 0,
        children,
      }),
    );
    return RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
  }

  /** The IPC record-batch message of one page (schema and end-of-stream marker stripped). */
  encodeBatch(rows: EngineValue[][]): Buffer {
    const bytes = this.streamBytes(rows);
    // The stream is [schema message][record batch message][EOS: 0xFFFFFFFF 0x00000000].
    const end = bytes.byteLength >= 8 ? bytes.byteLength - 8 : bytes.byteLength;
    return Buffer.from(bytes.buffer, bytes.byteOffset + this.schemaLength, end - this.schemaLength);
  }
}
