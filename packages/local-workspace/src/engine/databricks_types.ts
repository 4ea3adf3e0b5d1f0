/**
 * DuckDB types → Databricks type names, and DuckDB values → `EngineValue`.
 */
import {
  type DuckDBArrayType,
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalType,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  type DuckDBListType,
  DuckDBListValue,
  type DuckDBMapType,
  DuckDBMapValue,
  type DuckDBStructType,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { ColumnMetadata, EngineValue } from './sql_engine.js';

export interface DatabricksType {
  /** Full name, e.g. `DECIMAL(12,2)`, `ARRAY<STRING>`. */
  name: string;
  /** `DECIMAL`, `ARRAY`, `STRING`, ... */
  base: string;
  precision?: number;
  scale?: number;
}

const SIMPLE: Partial<Record<DuckDBTypeId, string>> = {
  [DuckDBTypeId.BOOLEAN]: 'BOOLEAN',
  [DuckDBTypeId.TINYINT]: 'TINYINT',
  [DuckDBTypeId.SMALLINT]: 'SMALLINT',
  [DuckDBTypeId.INTEGER]: 'INT',
  [DuckDBTypeId.BIGINT]: 'BIGINT',
  [DuckDBTypeId.UTINYINT]: 'SMALLINT',
  [DuckDBTypeId.USMALLINT]: 'INT',
  [DuckDBTypeId.UINTEGER]: 'BIGINT',
  // Aggregates over INT produce HUGEINT in DuckDB where Spark says BIGINT.
  [DuckDBTypeId.HUGEINT]: 'BIGINT',
  [DuckDBTypeId.INTEGER_LITERAL]: 'INT',
  [DuckDBTypeId.FLOAT]: 'FLOAT',
  [DuckDBTypeId.DOUBLE]: 'DOUBLE',
  [DuckDBTypeId.DATE]: 'DATE',
  [DuckDBTypeId.TIMESTAMP]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_S]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_MS]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_NS]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_TZ]: 'TIMESTAMP',
  [DuckDBTypeId.VARCHAR]: 'STRING',
  [DuckDBTypeId.STRING_LITERAL]: 'STRING',
  [DuckDBTypeId.ENUM]: 'STRING',
  [DuckDBTypeId.UUID]: 'STRING',
  [DuckDBTypeId.TIME]: 'STRING',
  [DuckDBTypeId.TIME_TZ]: 'STRING',
  [DuckDBTypeId.TIME_NS]: 'STRING',
  [DuckDBTypeId.BLOB]: 'BINARY',
  [DuckDBTypeId.BIT]: 'BINARY',
  [DuckDBTypeId.SQLNULL]: 'VOID',
  [DuckDBTypeId.INTERVAL]: 'INTERVAL',
  [DuckDBTypeId.UNION]: 'STRING',
  [DuckDBTypeId.VARIANT]: 'STRING',
  [DuckDBTypeId.GEOMETRY]: 'BINARY',
};

/** The Databricks type of a DuckDB type. */
export function databricksType(t: DuckDBType): DatabricksType {
  switch (t.typeId) {
    case DuckDBTypeId.DECIMAL: {
      const d = t as DuckDBDecimalType;
      return {
        name: `DECIMAL(${d.width},${d.scale})`,
        base: 'DECIMAL',
        precision: d.width,
        scale: d.scale,
      };
    }
    case DuckDBTypeId.UBIGINT:
      return { name: 'DECIMAL(20,0)', base: 'DECIMAL', precision: 20, scale: 0 };
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return { name: 'DECIMAL(38,0)', base: 'DECIMAL', precision: 38, scale: 0 };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const inner = databricksType((t as DuckDBListType | DuckDBArrayType).valueType);
      return { name: `ARRAY<${inner.name}>`, base: 'ARRAY' };
    }
    case DuckDBTypeId.MAP: {
      const m = t as DuckDBMapType;
      return {
        name: `MAP<${databricksType(m.keyType).name},${databricksType(m.valueType).name}>`,
        base: 'MAP',
      };
    }
    case DuckDBTypeId.STRUCT: {
      const s = t as DuckDBStructType;
      const fields = s.entryNames.map(
        (n, i) => `${n}:${databricksType(s.entryTypes[i] as DuckDBType).name}`,
      );
      return { name: `STRUCT<${fields.join(',')}>`, base: 'STRUCT' };
    }
    default: {
      const name = SIMPLE[t.typeId] ?? 'STRING';
      return { name, base: name };
    }
  }
}

export function columnMetadata(
  name: string,
  t: DuckDBType,
  nullable = true,
  comment?: string,
): ColumnMetadata {
  const d = databricksType(t);
  const c: ColumnMetadata = { name, type: d.name, baseType: d.base, nullable };
  if (d.precision !== undefined) c.precision = d.precision;
  if (d.scale !== undefined) c.scale = d.scale;
  if (comment !== undefined && comment !== null && comment !== '') c.comment = comment;
  return c;
}

/** Simple (non-DuckDB-typed) column metadata for emulated result sets. */
export function simpleColumn(name: string, type: string, nullable = true): ColumnMetadata {
  const m = /^(\w+)/.exec(type);
  const base = (m?.[1] ?? type).toUpperCase();
  const c: ColumnMetadata = { name, type, baseType: base, nullable };
  const dm = /^DECIMAL\((\d+),(\d+)\)$/i.exec(type);
  if (dm) {
    c.precision = Number(dm[1]);
    c.scale = Number(dm[2]);
  }
  return c;
}

/**
 * A DuckDB type string (as in `duckdb_columns().data_type`) → Databricks type name.
 * Handles `DECIMAL(p,s)`, `T[]`, `T[n]`, `MAP(K, V)`, `STRUCT(a T, ...)`.
 */
export function databricksTypeFromString(s: string): DatabricksType {
  const p = new TypeStringParser(s);
  const t = p.parse();
  return t;
}

class TypeStringParser {
  private i = 0;
  constructor(private readonly s: string) {}
  parse(): DatabricksType {
    let t = this.base();
    for (;;) {
      this.ws();
      if (this.s[this.i] === '[') {
        const close = this.s.indexOf(']', this.i);
        this.i = close < 0 ? this.s.length : close + 1;
        t = { name: `ARRAY<${t.name}>`, base: 'ARRAY' };
      } else break;
    }
    return t;
  }
  private ws() {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] as string)) this.i++;
  }
  private word(): string {
    this.ws();
    if (this.s[this.i] === '"') {
      let out = '';
      this.i++;
      while (this.i < this.s.length) {
        if (this.s[this.i] === '"' && this.s[this.i + 1] === '"') {
          out += '"';
          this.i += 2;
        } else if (this.s[this.i] === '"') {
          this.i++;
          break;
        } else out += this.s[this.i++];
      }
      return out;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_ ]*?(?=[\s(,)[\]]|$)/.exec(this.s.slice(this.i));
    const w = m ? m[0] : '';
    this.i += w.length;
    return w;
  }
  private base(): DatabricksType {
    let w = this.word().toUpperCase();
    // multi-word names
    const rest = this.s.slice(this.i).toUpperCase();
    for (const suffix of [' WITH TIME ZONE']) {
      if (rest.startsWith(suffix)) {
        this.i += suffix.length;
        w += suffix;
      }
    }
    this.ws();
    if (this.s[this.i] === '(') {
      this.i++;
      if (w === 'DECIMAL' || w === 'NUMERIC') {
        const m = /^\s*(\d+)\s*,\s*(\d+)\s*\)/.exec(this.s.slice(this.i));
        if (m) {
          this.i += m[0].length;
          const precision = Number(m[1]);
          const scale = Number(m[2]);
          return { name: `DECIMAL(${precision},${scale})`, base: 'DECIMAL', precision, scale };
        }
      }
      if (w === 'MAP') {
        const k = this.parse();
        this.expect(',');
        const v = this.parse();
        this.expect(')');
        return { name: `MAP<${k.name},${v.name}>`, base: 'MAP' };
      }
      if (w === 'STRUCT') {
        const fields: string[] = [];
        for (;;) {
          const n = this.word();
          const ft = this.parse();
          fields.push(`${n}:${ft.name}`);
          this.ws();
          if (this.s[this.i] === ',') {
            this.i++;
            continue;
          }
          this.expect(')');
          break;
        }
        return { name: `STRUCT<${fields.join(',')}>`, base: 'STRUCT' };
      }
      // unknown parameters: skip to the matching paren
      let depth = 1;
      while (this.i < this.s.length && depth > 0) {
        if (this.s[this.i] === '(') depth++;
        if (this.s[this.i] === ')') depth--;
        this.i++;
      }
    }
    const map: Record<string, string> = {
      BOOLEAN: 'BOOLEAN',
      BOOL: 'BOOLEAN',
      TINYINT: 'TINYINT',
      SMALLINT: 'SMALLINT',
      INTEGER: 'INT',
      INT: 'INT',
      BIGINT: 'BIGINT',
      HUGEINT: 'BIGINT',
      UTINYINT: 'SMALLINT',
      USMALLINT: 'INT',
      UINTEGER: 'BIGINT',
      FLOAT: 'FLOAT',
      REAL: 'FLOAT',
      DOUBLE: 'DOUBLE',
      DATE: 'DATE',
      TIMESTAMP: 'TIMESTAMP',
      'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP',
      TIMESTAMP_S: 'TIMESTAMP',
      TIMESTAMP_MS: 'TIMESTAMP',
      TIMESTAMP_NS: 'TIMESTAMP',
      VARCHAR: 'STRING',
      BLOB: 'BINARY',
      INTERVAL: 'INTERVAL',
      UUID: 'STRING',
      TIME: 'STRING',
      'TIME WITH TIME ZONE': 'STRING',
      '"NULL"': 'VOID',
      NULL: 'VOID',
    };
    if (w === 'UBIGINT') return { name: 'DECIMAL(20,0)', base: 'DECIMAL', precision: 20, scale: 0 };
    const name = map[w] ?? 'STRING';
    return { name, base: name };
  }
  private expect(c: string) {
    this.ws();
    if (this.s[this.i] === c) this.i++;
  }
}

/** java.sql.Types code of a Databricks base type. */
export function jdbcTypeCode(base: string): number {
  switch (base) {
    case 'BOOLEAN':
      return 16;
    case 'TINYINT':
      return -6;
    case 'SMALLINT':
      return 5;
    case 'INT':
      return 4;
    case 'BIGINT':
      return -5;
    case 'FLOAT':
      return 6;
    case 'DOUBLE':
      return 8;
    case 'DECIMAL':
      return 3;
    case 'DATE':
      return 91;
    case 'TIMESTAMP':
      return 93;
    case 'STRING':
      return 12;
    case 'BINARY':
      return -2;
    case 'ARRAY':
      return 2003;
    case 'MAP':
      return 2000;
    case 'STRUCT':
      return 2002;
    case 'VOID':
      return 0;
    case 'INTERVAL':
      return 1111;
    default:
      return 1111;
  }
}

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0');

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

/** Days since epoch → 'YYYY-MM-DD' (proleptic Gregorian, no Date allocation). */
export function formatDate(days: number): string {
  // Howard Hinnant's civil_from_days.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const ys = y >= 1000 && y <= 9999 ? String(y) : y < 0 ? `-${pad(-y, 4)}` : pad(y, 4);
  return `${ys}-${TWO_DIGITS[m]}-${TWO_DIGITS[d]}`;
}

const SAFE_MICROS = BigInt(Number.MAX_SAFE_INTEGER);

/** Microseconds since epoch → 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC). */
export function formatTimestampMicros(micros: bigint): string {
  if (micros <= SAFE_MICROS && micros >= -SAFE_MICROS) {
    // Number arithmetic (exact below 2^53 µs, i.e. years 1685..2255): no BigInt allocations.
    const value = Number(micros);
    const days = Math.floor(value / 86_400_000_000);
    const rem = value - days * 86_400_000_000;
    const secs = Math.floor(rem / 1_000_000);
    const frac = rem - secs * 1_000_000;
    const h = Math.floor(secs / 3600);
    const m = Math.floor((secs % 3600) / 60);
    const s = secs % 60;
    const base = `${formatDate(days)} ${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[s]}`;
    return frac === 0 ? base : `${base}.${pad(frac, 6)}`;
  }
  let days = micros / 86_400_000_000n;
  let rem = micros % 86_400_000_000n;
  if (rem < 0n) {
    rem += 86_400_000_000n;
    days -= 1n;
  }
  const secs = rem / 1_000_000n;
  const frac = rem % 1_000_000n;
  const h = secs / 3600n;
  const m = (secs % 3600n) / 60n;
  const s = secs % 60n;
  const base = `${formatDate(Number(days))} ${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`;
  return frac === 0n ? base : `${base}.${pad(frac, 6)}`;
}

/** DECIMAL scaled bigint → plain notation with exactly `scale` fraction digits. */
export function formatDecimal(value: bigint, scale: number): string {
  const neg = value < 0n;
  const abs = (neg ? -value : value).toString();
  if (scale === 0) return (neg ? '-' : '') + abs;
  const padded = abs.padStart(scale + 1, '0');
  const int = padded.slice(0, padded.length - scale);
  const frac = padded.slice(padded.length - scale);
  return `${neg ? '-' : ''}${int}.${frac}`;
}

function formatInterval(v: DuckDBIntervalValue): string {
  if (v.months !== 0 && v.days === 0 && v.micros === 0n) {
    const y = Math.trunc(v.months / 12);
    return `${y}-${Math.abs(v.months % 12)}`;
  }
  const totalMicros = BigInt(v.days) * 86_400_000_000n + v.micros;
  const neg = totalMicros < 0n;
  const abs = neg ? -totalMicros : totalMicros;
  const days = abs / 86_400_000_000n;
  const rem = abs % 86_400_000_000n;
  const secs = rem / 1_000_000n;
  const frac = rem % 1_000_000n;
  const body = `${days} ${pad(secs / 3600n, 2)}:${pad((secs % 3600n) / 60n, 2)}:${pad(secs % 60n, 2)}.${pad(frac * 1000n, 9)}`;
  return (neg ? '-' : '') + body;
}

/** A DuckDB value → `EngineValue` following the engine_types.ts rules. */
export function toEngineValue(v: DuckDBValue, t?: DuckDBType): EngineValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      // UINTEGER is reported as BIGINT
      return t?.typeId === DuckDBTypeId.UINTEGER ? BigInt(v) : v;
    case 'bigint': {
      if (t) {
        const id = t.typeId;
        if (
          id === DuckDBTypeId.UBIGINT ||
          id === DuckDBTypeId.UHUGEINT ||
          id === DuckDBTypeId.BIGNUM
        )
          return v.toString();
        if (id === DuckDBTypeId.UINTEGER) return v;
      }
      return v;
    }
    default:
      break;
  }
  if (v instanceof DuckDBDecimalValue) return formatDecimal(v.value, v.scale);
  if (v instanceof DuckDBDateValue) return formatDate(v.days);
  if (v instanceof DuckDBTimestampValue) return formatTimestampMicros(v.micros);
  if (v instanceof DuckDBTimestampTZValue) return formatTimestampMicros(v.micros);
  if (v instanceof DuckDBTimestampMillisecondsValue) return formatTimestampMicros(v.millis * 1000n);
  if (v instanceof DuckDBTimestampSecondsValue)
    return formatTimestampMicros(v.seconds * 1_000_000n);
  if (v instanceof DuckDBTimestampNanosecondsValue) return formatTimestampMicros(v.nanos / 1000n);
  if (v instanceof DuckDBBlobValue) return new Uint8Array(v.bytes);
  if (v instanceof DuckDBIntervalValue) return formatInterval(v);
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) {
    const inner = t && 'valueType' in t ? (t as DuckDBListType).valueType : undefined;
    return v.items.map((x) => toEngineValue(x, inner));
  }
  if (v instanceof DuckDBMapValue) {
    const mt = t as DuckDBMapType | undefined;
    const out: Record<string, EngineValue> = {};
    for (const e of v.entries)
      out[String(toEngineValue(e.key, mt?.keyType))] = toEngineValue(e.value, mt?.valueType);
    return out;
  }
  if (v instanceof DuckDBStructValue) {
    const st = t as DuckDBStructType | undefined;
    const out: Record<string, EngineValue> = {};
    for (const [k, x] of Object.entries(v.entries)) {
      const idx = st?.entryIndexes?.[k];
      out[k] = toEngineValue(x, idx !== undefined ? st?.entryTypes[idx] : undefined);
    }
    return out;
  }
  return String(v);
}

/** Convert a HUGEINT result value (DuckDB `sum(int)`) reported as BIGINT. */
export function isDecimalType(t: DuckDBType): t is DuckDBDecimalType {
  return t instanceof DuckDBDecimalType;
}

/**
 * A converter specialised for one column type (undefined: the DuckDB JS value is already the
 * EngineValue). Avoids the generic `instanceof` chain on hot paths.
 */
export function converterFor(t: DuckDBType): ((v: unknown) => EngineValue) | undefined {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.VARCHAR:
      return undefined;
    case DuckDBTypeId.DECIMAL: {
      const scale = (t as DuckDBDecimalType).scale;
      return (v) => (v === null ? null : formatDecimal((v as DuckDBDecimalValue).value, scale));
    }
    case DuckDBTypeId.DATE:
      return (v) => (v === null ? null : formatDate((v as DuckDBDateValue).days));
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return (v) => (v === null ? null : formatTimestampMicros((v as DuckDBTimestampValue).micros));
    default:
      return (v) => toEngineValue(v as DuckDBValue, t);
  }
}
