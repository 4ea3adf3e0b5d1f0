/**
 * Statement parameters in the dialect layer: the DuckDB cast a typed parameter gets around its
 * marker, the type completed from its value, and the check that every marker has a value.
 */
import { unboundParameterError } from '../errors.js';
import { tokenize } from './lexer.js';
import { parseSparkType } from './type_parser.js';

/** A parameter marker with its cast (timestamps may carry an offset: read as TIMESTAMPTZ). */
export function castMarker(marker: string, cast: string | undefined): string {
  if (!cast) return marker;
  if (cast === 'TIMESTAMP') return `CAST(CAST(${marker} AS TIMESTAMPTZ) AS TIMESTAMP)`;
  return `CAST(${marker} AS ${cast})`;
}

/**
 * The type of a parameter as sent by a client, completed from its value: a bare `DECIMAL` gets the
 * precision and scale of the value's text (Databricks infers them the same way).
 */
export function completeParameterType(
  type: string | undefined,
  value: unknown,
): string | undefined {
  if (!type) return type;
  const u = type.trim().toUpperCase();
  if (
    (u === 'DECIMAL' || u === 'NUMERIC' || u === 'DEC') &&
    value !== null &&
    value !== undefined
  ) {
    const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE][+-]?\d+)?$/.exec(String(value).trim());
    if (m) {
      const scale = Math.min(38, (m[2] ?? '').length);
      const intDigits = Math.max(1, (m[1] ?? '').replace(/^0+(?=\d)/, '').length);
      return `DECIMAL(${Math.min(38, Math.max(intDigits + scale, 1))},${scale})`;
    }
  }
  if (u.startsWith('INTERVAL')) return 'INTERVAL';
  return type;
}

/** A Spark parameter type (TSparkParameter.type) → DuckDB cast target, or undefined for none. */
export function parameterCastType(t: string | undefined): string | undefined {
  if (!t) return undefined;
  const u = t.trim().toUpperCase();
  if (u === '' || u === 'VOID' || u === 'NULL') return undefined;
  const tokens = tokenize(u).filter((x) => x.kind !== 'ws');
  try {
    return parseSparkType(tokens).sql;
  } catch {
    return undefined;
  }
}

/** The markers a translated statement holds. */
export interface ParameterMarkers {
  /** Named parameter markers found (`:name`), in order of first appearance. */
  namedParams: string[];
  /** Number of positional `?` markers. */
  positionalCount: number;
}

/** Check that every marker has a value; throws UNBOUND_SQL_PARAMETER. */
export function checkParameters(
  markers: ParameterMarkers,
  named: Record<string, unknown> | undefined,
  positionalCount: number,
): void {
  for (const n of markers.namedParams) {
    if (!named || !Object.hasOwn(named, n)) throw unboundParameterError(n);
  }
  if (markers.positionalCount > positionalCount)
    throw unboundParameterError(`_${positionalCount + 1}`);
}
