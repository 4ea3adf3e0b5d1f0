/**
 * ARROW_STREAM chunks (Arrow IPC streams) decoded with `apache-arrow`, into the same values as
 * JSON_ARRAY (see `values.ts`). The library is loaded on first use only, so statements that never
 * ask for Arrow do not pay for it (it is the largest piece of the edge entry's dependencies).
 * Columns a warehouse sends as text (DECIMAL, TIMESTAMP or nested types without native Arrow
 * types) are decoded from that text by the manifest's type.
 */
import type { TypeNode } from './types.js';
import { type DecodedValue, decimalWordsToString, decodeText } from './values.js';

/** The parts of apache-arrow 13 used here (its own declarations are hidden by its exports map). */
interface ArrowDataType {
  typeId: number;
  bitWidth?: number;
  scale?: number;
  children?: ArrowField[];
}
interface ArrowField {
  name: string;
  type: ArrowDataType;
}
interface ArrowVector {
  length: number;
  nullCount: number;
  get(index: number): unknown;
  isValid(index: number): boolean;
  toArray(): ArrayLike<unknown>;
}
interface ArrowTable {
  numRows: number;
  schema: { fields: ArrowField[] };
  getChildAt(index: number): ArrowVector | null;
}
interface ArrowModule {
  tableFromIPC(input: Uint8Array): ArrowTable;
  Type: Record<string, number>;
}

let arrowModule: Promise<ArrowModule> | undefined;

function loadArrow(): Promise<ArrowModule> {
  // apache-arrow 13 declares its types only through `types`, which its `exports` map hides from
  // TypeScript's Bundler resolution; the interfaces above type what is used.
  // biome-ignore lint/suspicious/noTsIgnore: see above (the error only appears under tsc).
  // @ts-ignore
  arrowModule ??= (import('apache-arrow') as Promise<unknown>).then((module) => {
    const candidate = module as ArrowModule & { default?: ArrowModule };
    return typeof candidate.tableFromIPC === 'function' ? candidate : candidate.default!;
  });
  return arrowModule;
}

/**
 * Decodes one Arrow IPC stream (a whole chunk) into rows of values in column order. `types`
 * are the manifest's column types, by position.
 */
export async function decodeArrowChunk(
  bytes: Uint8Array,
  types: readonly TypeNode[],
): Promise<DecodedValue[][]> {
  if (bytes.byteLength === 0) return [];
  const arrow = await loadArrow();
  const table = arrow.tableFromIPC(bytes);
  const converter = new ArrowConverter(arrow.Type);
  const count = table.numRows;
  const columns = table.schema.fields.map((field, index): ArrayLike<unknown> => {
    const vector = table.getChildAt(index);
    if (!vector) return new Array(count).fill(null);
    const node = types[index] ?? { base: 'STRING' };
    const fast = primitiveValues(vector, field.type, node, arrow.Type);
    if (fast) return fast;
    const values: DecodedValue[] = new Array(count);
    for (let row = 0; row < count; row += 1) {
      values[row] = converter.convert(vector.get(row), field.type, node);
    }
    return values;
  });
  const width = columns.length;
  const rows: DecodedValue[][] = new Array(count);
  for (let row = 0; row < count; row += 1) {
    const values: DecodedValue[] = new Array(width);
    for (let column = 0; column < width; column += 1) {
      values[column] = (columns[column]![row] ?? null) as DecodedValue;
    }
    rows[row] = values;
  }
  return rows;
}

/**
 * Numbers of a column without nulls, straight from its buffer (a typed array: bigint elements
 * for 64-bit integers), skipping per-value `get`. Undefined when the column needs conversion.
 */
function primitiveValues(
  vector: ArrowVector,
  arrowType: ArrowDataType,
  node: TypeNode,
  type: Record<string, number>,
): ArrayLike<unknown> | undefined {
  if (vector.nullCount !== 0) return undefined;
  if (arrowType.typeId === type.Float) return vector.toArray();
  if (arrowType.typeId !== type.Int) return undefined;
  // A 64-bit column the manifest calls INT is narrowed value by value (slow path).
  if (arrowType.bitWidth === 64) return node.base === 'INT' ? undefined : vector.toArray();
  return vector.toArray();
}

class ArrowConverter {
  constructor(private readonly type: Record<string, number>) {}

  convert(value: unknown, arrowType: ArrowDataType, node: TypeNode): DecodedValue {
    if (value === null || value === undefined) return null;
    const { type } = this;
    switch (arrowType.typeId) {
      case type.Int:
        return arrowType.bitWidth === 64 && node.base !== 'INT'
          ? BigInt(value as bigint)
          : Number(value);
      case type.Float:
      case type.Bool:
        return value as number | boolean;
      case type.Decimal:
        return decimalWordsToString(value as Uint32Array, arrowType.scale ?? 0);
      case type.Date:
        return value instanceof Date ? value : new Date(Number(value));
      case type.Timestamp:
        // apache-arrow gives milliseconds for every unit; the Thrift path has millisecond Dates too.
        return new Date(Number(value));
      case type.Binary:
      case type.LargeBinary:
      case type.FixedSizeBinary:
        return (value as Uint8Array).slice();
      case type.Utf8:
      case type.LargeUtf8:
        return node.base === 'STRING' ? (value as string) : decodeText(value as string, node);
      case type.List:
      case type.FixedSizeList: {
        const elementType = arrowType.children?.[0]?.type;
        const elementNode = node.children?.[0] ?? { base: 'STRING' };
        const vector = value as ArrowVector;
        const out: DecodedValue[] = new Array(vector.length);
        for (let i = 0; i < vector.length; i += 1) {
          out[i] = elementType ? this.convert(vector.get(i), elementType, elementNode) : null;
        }
        return out;
      }
      case type.Struct: {
        const row = value as Record<string, unknown>;
        const out: Record<string, DecodedValue> = {};
        (arrowType.children ?? []).forEach((field, i) => {
          const fieldNode = node.names?.[i] === field.name ? node.children?.[i] : undefined;
          out[field.name] = this.convert(
            row[field.name],
            field.type,
            fieldNode ?? { base: 'STRING' },
          );
        });
        return out;
      }
      case type.Map: {
        const entries = arrowType.children?.[0]?.type.children ?? [];
        const keyType = entries[0]?.type;
        const valueType = entries[1]?.type;
        const out: Record<string, DecodedValue> = {};
        for (const [key, item] of value as Iterable<[unknown, unknown]>) {
          const decodedKey = keyType
            ? this.convert(key, keyType, node.children?.[0] ?? { base: 'STRING' })
            : key;
          out[String(decodedKey instanceof Date ? decodedKey.toISOString() : decodedKey)] =
            valueType
              ? this.convert(item, valueType, node.children?.[1] ?? { base: 'STRING' })
              : null;
        }
        return out;
      }
      case type.Null:
        return null;
      default:
        return typeof value === 'string' ? decodeText(value, node) : (value as DecodedValue);
    }
  }
}
