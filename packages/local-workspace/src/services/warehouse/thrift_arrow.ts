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

/**
 * An IPC stream writer that leaves out the schema message and the end-of-stream marker, so what it
 * writes is a page's record-batch message alone: the schema travels once, apart. Encoding the
 * schema for every page (to cut it off again) was about a third of a page's encoding time.
 */
class RecordBatchMessageWriter extends RecordBatchStreamWriter {
  protected override _writeSchema(): this {
    return this;
  }

  protected override _writeFooter(): this {
    return this;
  }
}

/** One operation's Arrow encoding: its schema message and its pages as record-batch messages. */
export class ArrowEncoder {
  readonly schema: Schema;
  /** The IPC stream schema message (`arrowSchema` of the result set metadata). */
  readonly schemaBytes: Buffer;
  private readonly nodes: TypeNode[];

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
    const stream = RecordBatchStreamWriter.writeAll([this.recordBatch([])]).toUint8Array(true);
    this.schemaBytes = Buffer.from(stream.subarray(0, firstMessageLength(stream)));
  }

  private recordBatch(rows: EngineValue[][]): ArrowTypes.RecordBatch {
    const children = this.schema.fields.map((field, index) =>
      encodeColumn(field, this.nodes[index] as TypeNode, this.options, rows, index),
    );
    return new RecordBatch(
      this.schema,
      makeData({
        type: new Struct(this.schema.fields),
        length: rows.length,
        nullCount: 0,
        children,
      }),
    );
  }

  /** The IPC record-batch message of one page (no schema message, no end-of-stream marker). */
  encodeBatch(rows: EngineValue[][]): Buffer {
    const bytes = new RecordBatchMessageWriter()
      .writeAll([this.recordBatch(rows)])
      .toUint8Array(true);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}
