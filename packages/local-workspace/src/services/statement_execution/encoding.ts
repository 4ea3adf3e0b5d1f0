/**
 * Result chunks in the three formats of the Statement Execution API, from engine rows:
 * - JSON_ARRAY: every non-null value as a string (BIGINT and DECIMAL exact, DATE `YYYY-MM-DD`,
 *   TIMESTAMP ISO 8601 in UTC, BINARY as hex, ARRAY / MAP / STRUCT as JSON), NULL as `null`;
 * - CSV: the same strings per RFC 4180, NULL as a bare `null`, a header row in chunk 0 only;
 * - ARROW_STREAM: one Arrow IPC stream per chunk (schema, record batches, end-of-stream), with
 *   native Arrow types (Int64, Decimal128, Date32, Timestamp(us, UTC), Binary, List/Map/Struct),
 *   encoded by the warehouse's own Arrow encoder so both protocols write the same bytes.
 */
import type { ColumnMetadata, EngineValue } from '../../engine/sql_engine.js';
import { ArrowEncoder } from '../warehouse/thrift_arrow.js';
import { complexToJson } from '../warehouse/thrift_results.js';

export type ResultFormat = 'JSON_ARRAY' | 'ARROW_STREAM' | 'CSV';

/** The Arrow IPC end-of-stream marker: continuation token and a zero length. */
const END_OF_STREAM = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC) → `YYYY-MM-DDTHH:MM:SS.fff[fff]Z`. */
function isoTimestamp(text: string): string {
  const match = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(text);
  if (!match) return text;
  const fraction = (match[3] ?? '').padEnd(3, '0');
  return `${match[1]}T${match[2]}.${fraction}Z`;
}

/** The JSON_ARRAY / CSV text of one value of a column. */
export function textOf(value: EngineValue, column: ColumnMetadata): string | null {
  if (value === null || value === undefined) return null;
  const base = column.baseType.toUpperCase();
  if (base === 'ARRAY' || base === 'MAP' || base === 'STRUCT') return complexToJson(value);
  if (value instanceof Uint8Array) return hexOf(value);
  if (typeof value === 'string') {
    return base === 'TIMESTAMP' || base === 'TIMESTAMP_NTZ' ? isoTimestamp(value) : value;
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return String(value);
  }
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return complexToJson(value);
}

function csvField(text: string | null): string {
  if (text === null) return 'null';
  return /[",\r\n]/.test(text) || text === 'null' ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Builds one chunk from engine pages; `bytes()` is its wire form. */
export interface ChunkWriter {
  /** Rows so far. */
  readonly rowCount: number;
  /** Encoded size so far (exact for text formats; batches written so far for Arrow). */
  readonly byteCount: number;
  add(rows: EngineValue[][]): void;
  /** The chunk as it travels: JSON text, CSV text or an Arrow IPC stream. */
  bytes(): Buffer;
  /** For INLINE JSON_ARRAY: the rows as strings. */
  dataArray(): Array<Array<string | null>>;
}

export function createChunkWriter(
  format: ResultFormat,
  columns: ColumnMetadata[],
  options: { header: boolean; arrow?: ArrowEncoder },
): ChunkWriter {
  if (format === 'ARROW_STREAM') {
    const encoder =
      options.arrow ??
      new ArrowEncoder(columns, {
        timestampAsArrow: true,
        decimalAsArrow: true,
        complexTypesAsArrow: true,
      });
    const batches: Buffer[] = [];
    let rowCount = 0;
    let byteCount = encoder.schemaBytes.length;
    return {
      get rowCount() {
        return rowCount;
      },
      get byteCount() {
        return byteCount;
      },
      add(rows) {
        if (rows.length === 0) return;
        const batch = encoder.encodeBatch(rows);
        batches.push(batch);
        rowCount += rows.length;
        byteCount += batch.length;
      },
      bytes: () => Buffer.concat([encoder.schemaBytes, ...batches, END_OF_STREAM]),
      dataArray: () => {
        throw new Error('ARROW_STREAM chunks have no data_array');
      },
    };
  }
  const texts: Array<Array<string | null>> = [];
  let byteCount = 0;
  if (format === 'CSV' && options.header) {
    byteCount += columns.map((column) => csvField(column.name)).join(',').length + 2;
  }
  return {
    get rowCount() {
      return texts.length;
    },
    get byteCount() {
      return byteCount;
    },
    add(rows) {
      for (const row of rows) {
        const text = row.map((value, index) => textOf(value, columns[index]!));
        texts.push(text);
        // Close to the serialised size: quotes, separators and the values' UTF-16 length.
        byteCount += text.reduce((sum, value) => sum + (value === null ? 4 : value.length + 3), 2);
      }
    },
    bytes() {
      if (format === 'JSON_ARRAY') return Buffer.from(JSON.stringify(texts), 'utf8');
      const lines = texts.map((row) => row.map(csvField).join(','));
      if (options.header) lines.unshift(columns.map((column) => csvField(column.name)).join(','));
      return Buffer.from(lines.length > 0 ? `${lines.join('\r\n')}\r\n` : '', 'utf8');
    },
    dataArray: () => texts,
  };
}
