/**
 * Result-set comparison for the evaluation: does the chain's result answer the question the way
 * the reference SQL does? Column names are ignored (a model may alias differently) and the
 * result may carry extra columns (e.g. a name next to the asked-for count); every reference
 * column must be matched by a distinct result column, row for row. Rows are compared as a
 * multiset unless the reference is ordered. Numbers match within a tolerance.
 */

export interface ResultSet {
  columns: string[];
  /** Rows as arrays, in column order. */
  rows: unknown[][];
}

export interface CompareOptions {
  /** Compare row order too (the reference SQL has ORDER BY). Default false. */
  ordered?: boolean;
  /** Relative tolerance for numbers. Default 1e-4. */
  relativeTolerance?: number;
  /** Absolute tolerance for numbers (covers ROUND(x, 2)). Default 0.01. */
  absoluteTolerance?: number;
}

export interface CompareResult {
  match: boolean;
  reason?: string;
}

type Value = number | string | boolean | null;

/** Driver values to comparable ones: bigint and numeric strings to numbers, dates to text. */
export function normaliseValue(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  const text = String(value).trim();
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  // '2024-01-02 00:00:00' and '2024-01-02' are the same day.
  const midnight = /^(\d{4}-\d{2}-\d{2})[ T]00:00:00(\.0+)?Z?$/.exec(text);
  if (midnight) return midnight[1] as string;
  return text;
}

function valuesEqual(a: Value, b: Value, options: Required<Omit<CompareOptions, 'ordered'>>) {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    const difference = Math.abs(a - b);
    return (
      difference <= options.absoluteTolerance ||
      difference <= options.relativeTolerance * Math.max(Math.abs(a), Math.abs(b))
    );
  }
  return a === b;
}

/** Greedy multiset match of two equally long lists under an equality. */
function multisetEqual<T>(left: T[], right: T[], equal: (a: T, b: T) => boolean): boolean {
  if (left.length !== right.length) return false;
  const used = new Array<boolean>(right.length).fill(false);
  for (const item of left) {
    let found = -1;
    for (let index = 0; index < right.length; index++) {
      if (!used[index] && equal(item, right[index] as T)) {
        found = index;
        break;
      }
    }
    if (found < 0) return false;
    used[found] = true;
  }
  return true;
}

function column(rows: Value[][], index: number): Value[] {
  return rows.map((row) => row[index] ?? null);
}

/** Compares a result with the reference result. */
export function compareResultSets(
  expected: ResultSet,
  actual: ResultSet,
  options: CompareOptions = {},
): CompareResult {
  const tolerance = {
    relativeTolerance: options.relativeTolerance ?? 1e-4,
    absoluteTolerance: options.absoluteTolerance ?? 0.01,
  };
  const equal = (a: Value, b: Value) => valuesEqual(a, b, tolerance);
  const expectedRows = expected.rows.map((row) => row.map(normaliseValue));
  const actualRows = actual.rows.map((row) => row.map(normaliseValue));
  if (expectedRows.length !== actualRows.length) {
    return {
      match: false,
      reason: `${actualRows.length} rows, expected ${expectedRows.length}`,
    };
  }
  const expectedWidth = expected.columns.length;
  const actualWidth = actual.columns.length;
  if (actualWidth < expectedWidth) {
    return { match: false, reason: `${actualWidth} columns, expected ${expectedWidth}` };
  }
  if (expectedRows.length === 0) return { match: true };

  // Candidate result columns for each reference column: same values (as a multiset, or in order).
  const candidates: number[][] = [];
  for (let j = 0; j < expectedWidth; j++) {
    const wanted = column(expectedRows, j);
    const found: number[] = [];
    for (let k = 0; k < actualWidth; k++) {
      const have = column(actualRows, k);
      const same = options.ordered
        ? wanted.every((value, index) => equal(value, have[index] ?? null))
        : multisetEqual(wanted, have, equal);
      if (same) found.push(k);
    }
    if (found.length === 0) {
      return {
        match: false,
        reason: `no result column has the values of ${expected.columns[j] ?? `column ${j + 1}`}`,
      };
    }
    candidates.push(found);
  }

  // Try the injective assignments (backtracking; the widths are small) and check whole rows.
  const assignment: number[] = [];
  const taken = new Set<number>();
  const rowsMatch = (): boolean => {
    const projected = actualRows.map((row) => assignment.map((k) => row[k] ?? null));
    const rowEqual = (a: Value[], b: Value[]) =>
      a.every((value, index) => equal(value, b[index] ?? null));
    if (options.ordered)
      return expectedRows.every((row, index) => rowEqual(row, projected[index] ?? []));
    return multisetEqual(expectedRows, projected, rowEqual);
  };
  let attempts = 0;
  const search = (j: number): boolean => {
    if (attempts++ > 10_000) return false;
    if (j === expectedWidth) return rowsMatch();
    for (const k of candidates[j] ?? []) {
      if (taken.has(k)) continue;
      taken.add(k);
      assignment.push(k);
      if (search(j + 1)) return true;
      assignment.pop();
      taken.delete(k);
    }
    return false;
  };
  if (search(0)) return { match: true };
  return {
    match: false,
    reason: options.ordered ? 'the rows differ (or are in another order)' : 'the rows differ',
  };
}

/** Does this SQL's outermost query sort its result? (A trailing ORDER BY, before any LIMIT.) */
export function hasOrderBy(sql: string): boolean {
  // Strip string literals and parenthesised subqueries, then look for ORDER BY at the top level.
  let text = sql.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  let previous = '';
  while (previous !== text) {
    previous = text;
    text = text.replace(/\([^()]*\)/g, ' ');
  }
  return /\border\s+by\b/i.test(text);
}
