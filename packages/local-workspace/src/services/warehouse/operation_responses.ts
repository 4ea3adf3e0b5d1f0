/**
 * The responses that describe an operation: its handle, its status, its result set metadata and
 * its pages, as column-based rows or, for a client that reads Arrow, as Arrow batches (one
 * encoder per operation, built on first use).
 */
import type { EngineValue } from '../../engine/sql_engine.js';
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

export class OperationResponses {
  /** Arrow options of statements whose client reads Arrow; their encoders, built on first use. */
  private readonly arrowOptions = new WeakMap<Operation, ArrowOptions>();
  private readonly arrowEncoders = new WeakMap<Operation, ArrowEncoder>();

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

  /** The Arrow encoder of an operation answered with ARROW_BASED_SET, else undefined. */
  private arrowEncoderOf(operation: Operation): ArrowEncoder | undefined {
    const options = this.arrowOptions.get(operation);
    if (!options || operation.columns.length === 0) return undefined;
    let encoder = this.arrowEncoders.get(operation);
    if (!encoder) {
      encoder = new ArrowEncoder(operation.columns, options);
      this.arrowEncoders.set(operation, encoder);
    }
    return encoder;
  }

  metadata(operation: Operation): ThriftStruct {
    const arrow = this.arrowEncoderOf(operation);
    return new T.TGetResultSetMetadataResp({
      status: successStatus(),
      schema: tableSchemaOf(operation.columns),
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
