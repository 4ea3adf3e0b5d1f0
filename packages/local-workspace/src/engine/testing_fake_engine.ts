/**
 * A tiny in-memory `SqlEngine` for protocol-side tests: it understands a handful of statement
 * shapes (enough to exercise paging, cancel, parameters, types and errors) and nothing else.
 * The conformance suite runs against the real DuckDB engine.
 */
import {
  type ColumnMetadata,
  type EngineResult,
  type EngineSession,
  type EngineValue,
  type SqlEngine,
  SqlError,
  type StatementParameters,
} from './sql_engine.js';

function column(name: string, type: string, extra: Partial<ColumnMetadata> = {}): ColumnMetadata {
  const baseType = (/^[A-Z_]+/i.exec(type)?.[0] ?? 'STRING').toUpperCase();
  return { name, type, baseType, nullable: true, ...extra };
}

/** A result over a row generator, pulled page by page. */
export function generatedResult(
  columns: ColumnMetadata[],
  rows: Iterable<EngineValue[]>,
  onClose?: () => void,
): EngineResult & { closed: boolean } {
  const iterator = rows[Symbol.iterator]();
  let more = true;
  const result = {
    columns,
    closed: false,
    async fetch(maxRows: number) {
      const page: EngineValue[][] = [];
      while (more && page.length < maxRows) {
        const next = iterator.next();
        if (next.done) more = false;
        else page.push(next.value);
      }
      return page;
    },
    hasMoreRows: () => more,
    async close() {
      result.closed = true;
      more = false;
      onClose?.();
    },
  };
  return result;
}

function* range(count: number): Generator<EngineValue[]> {
  for (let index = 0; index < count; index += 1) yield [BigInt(index)];
}

export const TYPES_ROW: EngineValue[] = [
  9007199254740993n,
  '12345.67',
  '2024-02-29',
  '2024-02-29 13:45:01.123456',
  true,
  1.5,
  'héllo',
  new Uint8Array([0, 1, 2, 255]),
  ['a', 'b'],
  { k: 1 },
  { a: 1, b: 'x', c: [1n, 2n] },
  7,
  null,
];

export const TYPES_COLUMNS: ColumnMetadata[] = [
  column('big', 'BIGINT'),
  column('dec', 'DECIMAL(10,2)', { precision: 10, scale: 2 }),
  column('d', 'DATE'),
  column('ts', 'TIMESTAMP'),
  column('flag', 'BOOLEAN'),
  column('dbl', 'DOUBLE'),
  column('s', 'STRING'),
  column('bin', 'BINARY'),
  column('arr', 'ARRAY<STRING>'),
  column('m', 'MAP<STRING,INT>'),
  column('st', 'STRUCT<a:INT,b:STRING,c:ARRAY<BIGINT>>'),
  column('i', 'INT'),
  column('n', 'STRING'),
];

export interface FakeEngineStats {
  /** Statements whose AbortSignal fired. */
  aborted: number;
  /** Results closed. */
  closedResults: number;
  openSessions: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new SqlError('OPERATION_CANCELED', 'HY008', 'canceled'));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new SqlError('OPERATION_CANCELED', 'HY008', 'canceled'));
      },
      { once: true },
    );
  });
}

function parameterValue(
  parameters: StatementParameters,
  marker: string,
  position: number,
): EngineValue {
  if (marker.startsWith(':')) {
    const entry = parameters.named?.[marker.slice(1)];
    if (!entry)
      throw new SqlError(
        'UNBOUND_SQL_PARAMETER',
        '42P02',
        `Found the unbound parameter: ${marker.slice(1)}.`,
      );
    return entry.value;
  }
  const entry = parameters.positional?.[position];
  if (!entry)
    throw new SqlError(
      'UNBOUND_SQL_PARAMETER',
      '42P02',
      `Found the unbound parameter: _${position + 1}.`,
    );
  return entry.value;
}

function typeOfValue(value: EngineValue): string {
  if (typeof value === 'bigint') return 'BIGINT';
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT' : 'DOUBLE';
  if (typeof value === 'boolean') return 'BOOLEAN';
  return 'STRING';
}

/**
 * Statements understood:
 * - `SELECT * FROM range(N)` → N BIGINT rows named `id`
 * - `SELECT sleep(MS)` → waits (abortable), one row
 * - `SELECT fail_after(MS)` → waits, then fails with DIVIDE_BY_ZERO
 * - `SELECT types` → one row of every type (TYPES_COLUMNS)
 * - `SELECT :a, :b` / `SELECT ?, ?` → the parameters echoed back
 * - `SELECT 1` (any integer literal) → one INT row
 * - `CREATE ...` → no result set
 * - anything mentioning `missing` → TABLE_OR_VIEW_NOT_FOUND; anything else → PARSE_SYNTAX_ERROR
 */
export function createFakeEngine(): SqlEngine & { stats: FakeEngineStats } {
  const stats: FakeEngineStats = { aborted: 0, closedResults: 0, openSessions: 0 };
  const closed = () => {
    stats.closedResults += 1;
  };

  const metadata = (columns: ColumnMetadata[], rows: EngineValue[][]) =>
    generatedResult(columns, rows, closed);

  const session = (catalog: string, schema: string): EngineSession => ({
    currentCatalog: catalog,
    currentSchema: schema,
    async execute(sql, parameters, signal) {
      signal.addEventListener('abort', () => {
        stats.aborted += 1;
      });
      const text = sql.trim().replace(/;$/, '');
      let match = /^select \* from range\((\d+)\)$/i.exec(text);
      if (match)
        return generatedResult(
          [column('id', 'BIGINT', { nullable: false })],
          range(Number(match[1])),
          closed,
        );
      match = /^select sleep\((\d+)\)$/i.exec(text);
      if (match) {
        await sleep(Number(match[1]), signal);
        return generatedResult([column('slept', 'INT')], [[Number(match[1])]], closed);
      }
      match = /^select fail_after\((\d+)\)$/i.exec(text);
      if (match) {
        await sleep(Number(match[1]), signal);
        throw new SqlError('DIVIDE_BY_ZERO', '22012', 'Division by zero.');
      }
      if (/^select types$/i.test(text)) return generatedResult(TYPES_COLUMNS, [TYPES_ROW], closed);
      if (/^select\s+((?::\w+|\?)\s*(?:,\s*(?::\w+|\?)\s*)*)$/i.test(text)) {
        const markers = text
          .slice(6)
          .split(',')
          .map((marker) => marker.trim());
        let position = 0;
        const values = markers.map((marker) =>
          parameterValue(parameters, marker, marker === '?' ? position++ : 0),
        );
        const columns = markers.map((marker, index) =>
          column(
            marker === '?' ? `p${index + 1}` : marker.slice(1),
            typeOfValue(values[index] ?? null),
          ),
        );
        return generatedResult(columns, [values], closed);
      }
      match = /^select (\d+)$/i.exec(text);
      if (match)
        return generatedResult([column(match[1] ?? '1', 'INT')], [[Number(match[1])]], closed);
      if (/^create /i.test(text)) return generatedResult([], [], closed);
      if (/missing/i.test(text)) {
        throw new SqlError(
          'TABLE_OR_VIEW_NOT_FOUND',
          '42P01',
          'The table or view `missing` cannot be found.',
        );
      }
      throw new SqlError(
        'PARSE_SYNTAX_ERROR',
        '42601',
        `Syntax error at or near '${text.split(/\s+/)[0]}'.`,
      );
    },
    async getCatalogs() {
      return metadata([column('TABLE_CAT', 'STRING')], [['main'], ['samples']]);
    },
    async getSchemas() {
      return metadata(
        [column('TABLE_SCHEM', 'STRING'), column('TABLE_CATALOG', 'STRING')],
        [['default', 'main']],
      );
    },
    async getTables() {
      return metadata(
        ['TABLE_CAT', 'TABLE_SCHEM', 'TABLE_NAME', 'TABLE_TYPE', 'REMARKS'].map((name) =>
          column(name, 'STRING'),
        ),
        [['main', 'default', 't', 'TABLE', null]],
      );
    },
    async getColumns() {
      return metadata(
        [
          column('TABLE_NAME', 'STRING'),
          column('COLUMN_NAME', 'STRING'),
          column('DATA_TYPE', 'INT'),
          column('TYPE_NAME', 'STRING'),
        ],
        [['t', 'id', -5, 'BIGINT']],
      );
    },
    async getTableTypes() {
      return metadata([column('TABLE_TYPE', 'STRING')], [['TABLE'], ['VIEW']]);
    },
    async getTypeInfo() {
      return metadata(
        [column('TYPE_NAME', 'STRING'), column('DATA_TYPE', 'INT')],
        [['BIGINT', -5]],
      );
    },
    async getFunctions() {
      return metadata([column('FUNCTION_NAME', 'STRING')], []);
    },
    async getPrimaryKeys() {
      return metadata([column('COLUMN_NAME', 'STRING')], []);
    },
    async close() {
      stats.openSessions -= 1;
    },
  });

  return {
    stats,
    async openSession(options) {
      stats.openSessions += 1;
      return session(options.catalog ?? 'main', options.schema ?? 'default');
    },
    async close() {},
  };
}
