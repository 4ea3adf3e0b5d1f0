/**
 * Turning driver values into JSON the model can read, without loss and without crashing.
 *
 * With `preserveBigNumericPrecision` the driver gives BIGINT as `bigint` and DECIMAL as an exact
 * string; DATE and TIMESTAMP as `Date`; BINARY as `Buffer`; ARRAY / MAP / STRUCT as arrays and
 * objects (possibly holding any of the above). `JSON.stringify` throws on `bigint` and prints
 * Buffers as `{"type":"Buffer","data":[...]}`, so every value goes through `toJsonValue`.
 */

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export interface SerializeOptions {
  /** Strings (and hex for BINARY) longer than this are cut and end with "...". */
  maxStringLength?: number;
  /**
   * The column's Databricks type (`DATE`, `TIMESTAMP`, `BIGINT`, ...), when known: a `Date` in a
   * DATE column prints as `YYYY-MM-DD` instead of a full timestamp.
   */
  type?: string;
}

const MAX_DEPTH = 32;
// Bounds of the `bigint` values that convert to a number exactly (built once, not per value).
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE_BIGINT = BigInt(Number.MIN_SAFE_INTEGER);

/** Cuts `value` to `max` characters, ending with "..." when cut. */
export function truncateString(value: string, max: number | undefined): string {
  if (max === undefined || max <= 0 || value.length <= max) return value;
  if (max <= 3) return value.slice(0, max);
  return `${value.slice(0, max - 3)}...`;
}

function formatDate(value: Date, type: string | undefined): string | null {
  if (Number.isNaN(value.getTime())) return null;
  const iso = value.toISOString();
  if (type !== undefined && type.length === 4 && type.toUpperCase() === 'DATE') {
    return iso.slice(0, 10);
  }
  return iso;
}

function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).toUpperCase().padStart(2, '0');
  return out;
}

/**
 * Converts one value to JSON-safe form:
 * - `bigint` → number when exactly representable (|v| ≤ 2^53 - 1), else its decimal string;
 * - DECIMAL strings stay exact strings; NaN / ±Infinity → "NaN" / "Infinity" / "-Infinity";
 * - `Date` → ISO 8601 (`YYYY-MM-DD` for DATE columns);
 * - `Buffer` / `Uint8Array` → upper-case hex, as Databricks' `hex()` prints it;
 * - `Map`, arrays, plain objects (STRUCT) → recursively converted;
 * - strings cut to `maxStringLength`.
 */
export function toJsonValue(value: unknown, options: SerializeOptions = {}, depth = 0): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return truncateString(value, options.maxStringLength);
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    case 'bigint':
      return value <= MAX_SAFE_BIGINT && value >= MIN_SAFE_BIGINT
        ? Number(value)
        : value.toString();
    case 'symbol':
    case 'function':
      return null;
    default:
      break;
  }
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  const inner: SerializeOptions = { maxStringLength: options.maxStringLength };
  if (value instanceof Date) return formatDate(value, options.type);
  if (value instanceof Uint8Array) {
    return truncateString(bytesToHex(value), options.maxStringLength);
  }
  if (Array.isArray(value)) return value.map((v) => toJsonValue(v, inner, depth + 1));
  if (value instanceof Map) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of value) out[String(k)] = toJsonValue(v, inner, depth + 1);
    return out;
  }
  const obj = value as Record<string, unknown>;
  // node-int64 values and similar wrappers.
  if (typeof obj.toNumber === 'function' && typeof obj.toOctetString === 'function') {
    const n = (obj.toNumber as (allowImprecise?: boolean) => number)(true);
    return Number.isSafeInteger(n) ? n : String(obj.toString());
  }
  if (typeof obj.toJSON === 'function' && Object.getPrototypeOf(obj) !== Object.prototype) {
    return toJsonValue((obj.toJSON as () => unknown)(), inner, depth + 1);
  }
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = toJsonValue(v, inner, depth + 1);
  return out;
}

/** Converts a row (column name → value) using each column's type when known. */
export function toJsonRow(
  row: Record<string, unknown>,
  options: { maxStringLength?: number; types?: Record<string, string> } = {},
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  // One options object for the row, its `type` set per column: `toJsonValue` does not keep it.
  const valueOptions: SerializeOptions = { maxStringLength: options.maxStringLength };
  for (const key of Object.keys(row)) {
    valueOptions.type = options.types?.[key];
    out[key] = toJsonValue(row[key], valueOptions);
  }
  return out;
}

/** Renders one value for a sample-row line: text, no tabs or newlines, cut to the limit. */
export function toSampleCell(value: unknown, maxStringLength: number | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  const json = toJsonValue(value, {});
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  return truncateString(text.replace(/[\t\r\n]+/g, ' '), maxStringLength);
}
