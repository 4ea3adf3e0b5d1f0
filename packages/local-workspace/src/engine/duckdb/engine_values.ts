/**
 * DuckDB values → `EngineValue` (see sql_engine.ts): DATE, TIMESTAMP and DECIMAL as text in
 * Databricks' format, INTERVAL as Spark's text, nested values as plain arrays and objects. The
 * per-column converters keep the hot path of large results free of `instanceof` chains.
 */
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  type DuckDBDecimalType,
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
import type { EngineValue } from '../sql_engine.js';

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

/** A DuckDB value → `EngineValue` following the sql_engine.ts rules. */
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
