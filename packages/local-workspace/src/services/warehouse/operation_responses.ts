/**
 * The responses that describe an operation: its handle, its status, its result set metadata and
 * its pages, as column-based rows or, for a client that reads Arrow, as Arrow batches.
 *
 * What depends only on the result's columns (the Thrift table schema; the Arrow schema, its IPC
 * message and the column encoders) is built once per distinct set of columns and options and
 * shared by the operations with that shape: applications run the same statements again and
 * again, and for a small result building these was most of the Arrow encoding's time (the schema
 * message came from writing a whole IPC stream; bench/PROFILE.md).
 */
import type { ColumnMetadata, EngineValue } from '../../engine/sql_engine.js';
import type { ArrowOptions } from './arrow_types.js';
import type { Operation } from './operations.js';
import { ArrowEncoder } from './thrift_arrow.js';
import { encodeRowSet, withFields } from './thrift_results.js';
import {
  RowSetType,
  successStatus,
  T,
  type ThriftStruct,
  tableSchemaOf,
  toInt64,
} from './thrift_types.js';

/** How many result shapes (distinct columns and Arrow options) stay built. */
const SHAPE_CACHE_SIZE = 256;

/** What a response needs of a result's columns, built once per shape. */
interface ResultShape {
  schema: ThriftStruct;
  arrow: ArrowEncoder | undefined;
}

/** The cache key of a shape: every column field and option that the encodings read. */
function shapeKey(columns: ColumnMetadata[], options: ArrowOptions | undefined): string {
  return JSON.stringify([
    columns.map((column) => [
      column.name,
      column.type,
      column.baseType,
      column.precision,
      column.scale,
      column.nullable,
      column.comment,
    ]),
    options ? [options.timestampAsArrow, options.decimalAsArrow, options.complexTypesAsArrow] : 0,
  ]);
}

export class OperationResponses {
  /** Arrow options of statements whose client reads Arrow. */
  private readonly arrowOptions = new WeakMap<Operation, ArrowOptions>();
  /** The shape of each operation's result, looked up once it has columns. */
  private readonly operationShapes = new WeakMap<Operation, ResultShape>();
  /** Shapes by key, least recently used first. */
  private readonly shapes = new Map<string, ResultShape>();

  /** The operation's client reads Arrow with these options. */
  readArrow(operation: Operation, options: ArrowOptions): void {
    this.arrowOptions.set(operation, options);
  }

  handleOf(operation: Operation): ThriftStruct {
    return new T.TOperationHandle({
      operationId: operation.identifier,
      operationType: operation.operationType,
      hasResultSet: operation.hasResultSet,
      modifiedRowCount: operation.affectedRows,
    });
  }

  status(operation: Operation): ThriftStruct {
    const error = operation.error;
    const affected = operation.affectedRows;
    return new T.TGetOperationStatusResp({
      status: successStatus(),
      operationState: operation.state,
      hasResultSet: operation.hasResultSet,
      sqlState: error?.sqlState,
      errorCode: error ? 0 : undefined,
      errorMessage: error?.message,
      displayMessage: error?.message,
      errorDetailsJson: error
        ? JSON.stringify({ errorClass: error.errorClass, sqlState: error.sqlState })
        : undefined,
      operationStarted: toInt64(operation.startedAt),
      operationCompleted:
        operation.completedAt !== undefined ? toInt64(operation.completedAt) : undefined,
      numModifiedRows: affected !== undefined ? toInt64(affected) : undefined,
    });
  }

  /** The shape of an operation's result (its columns are known once it settled). */
  private shapeOf(operation: Operation): ResultShape {
    const known = this.operationShapes.get(operation);
    if (known) return known;
    const columns = operation.columns;
    const options = columns.length > 0 ? this.arrowOptions.get(operation) : undefined;
    const key = shapeKey(columns, options);
    let shape = this.shapes.get(key);
    if (shape) {
      this.shapes.delete(key);
    } else {
      shape = {
        schema: tableSchemaOf(columns),
        arrow: options ? new ArrowEncoder(columns, options) : undefined,
      };
      if (this.shapes.size >= SHAPE_CACHE_SIZE) {
        const oldest = this.shapes.keys().next().value;
        if (oldest !== undefined) this.shapes.delete(oldest);
      }
    }
    this.shapes.set(key, shape);
    // Only a settled operation's columns are final.
    if (!operation.running) this.operationShapes.set(operation, shape);
    return shape;
  }

  /** The Arrow encoder of an operation answered with ARROW_BASED_SET, else undefined. */
  private arrowEncoderOf(operation: Operation): ArrowEncoder | undefined {
    return this.shapeOf(operation).arrow;
  }

  metadata(operation: Operation): ThriftStruct {
    const shape = this.shapeOf(operation);
    const arrow = shape.arrow;
    return new T.TGetResultSetMetadataResp({
      status: successStatus(),
      schema: shape.schema,
      resultFormat: arrow ? RowSetType.ARROW_BASED_SET : RowSetType.COLUMN_BASED_SET,
      arrowSchema: arrow?.schemaBytes,
      lz4Compressed: false,
      isStagingOperation: false,
    });
  }

  private encodePage(
    operation: Operation,
    page: { rows: EngineValue[][]; startRowOffset: number },
  ): ThriftStruct {
    const arrow = this.arrowEncoderOf(operation);
    if (!arrow) return encodeRowSet(operation.columns, page.rows, page.startRowOffset);
    return withFields(T.TRowSet, {
      startRowOffset: toInt64(page.startRowOffset),
      rows: [],
      arrowBatches:
        page.rows.length === 0
          ? []
          : [
              new T.TSparkArrowBatch({
                batch: arrow.encodeBatch(page.rows),
                rowCount: toInt64(page.rows.length),
              }),
            ],
    });
  }

  /** The next page of the operation's result (from the start when `fromStart`). */
  async fetch(
    operation: Operation,
    maxRows: number,
    fromStart: boolean,
    includeMetadata = false,
  ): Promise<ThriftStruct> {
    const page = await operation.fetch(maxRows, fromStart);
    return new T.TFetchResultsResp({
      status: successStatus(),
      hasMoreRows: page.hasMoreRows,
      results: this.encodePage(operation, page),
      // The Python connector asks for (and relies on) the metadata with every page.
      resultSetMetadata: includeMetadata ? this.metadata(operation) : undefined,
    });
  }
}
