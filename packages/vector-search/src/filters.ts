/**
 * The two filter syntaxes Databricks Vector Search accepts, checked against the index's columns
 * before a request is sent (a misspelt column would otherwise silently match nothing):
 *
 * - the dictionary of standard endpoints, sent as `filters_json`: `{"price <": 100}`,
 *   `{"color": ["red", "blue"]}` (IN), `{"id NOT": 3}`, `{"title LIKE": "delta"}` (whole tokens),
 *   `{"color OR size": ["red", "L"]}` (color = red OR size = L); several keys are ANDed;
 * - the SQL-like string of storage-optimized endpoints, sent as `filter_string`:
 *   `"price < 100 AND color IN ('red', 'blue')"`.
 */
import { VectorSearchValidationError } from './errors.js';

export type VectorSearchFilterScalar = string | number | boolean | null;
export type VectorSearchFilterValue = VectorSearchFilterScalar | VectorSearchFilterScalar[];

/** `{ "column [operator]": value }`; keys are ANDed. */
export type VectorSearchFilterDict = Record<string, VectorSearchFilterValue>;

/** A dictionary filter (standard endpoints) or a SQL-like string (storage-optimized endpoints). */
export type VectorSearchFilter = VectorSearchFilterDict | string;

/** Operators of the dictionary syntax, as they follow the column name in a key. */
export const FILTER_OPERATORS = ['NOT', '<', '<=', '>', '>=', 'LIKE', 'NOT LIKE'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export interface ParsedFilterKey {
  /** One column, or several for an `OR` key. */
  columns: string[];
  operator?: FilterOperator;
}

const OPERATOR_SET = new Set<string>(FILTER_OPERATORS);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$|^`[^`]+`$/;

function unquote(identifier: string): string {
  return identifier.startsWith('`') ? identifier.slice(1, -1) : identifier;
}

/** Splits a dictionary key into its column(s) and operator; throws on a malformed key. */
export function parseFilterKey(key: string, indexName?: string): ParsedFilterKey {
  const trimmed = key.trim();
  const orParts = trimmed.split(/\s+OR\s+/i);
  if (orParts.length > 1) {
    if (!orParts.every((part) => IDENTIFIER.test(part)))
      throw filterError(
        `Invalid filter key "${key}": an OR key lists plain column names ("color OR size").`,
        indexName,
      );
    return { columns: orParts.map(unquote) };
  }
  const match = /^(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)(?:\s+(.+))?$/.exec(trimmed);
  if (!match?.[1])
    throw filterError(
      `Invalid filter key "${key}": expected a column name, optionally followed by one of ${FILTER_OPERATORS.join(', ')}.`,
      indexName,
    );
  const operator = match[2]?.replace(/\s+/g, ' ').toUpperCase();
  if (operator !== undefined && !OPERATOR_SET.has(operator))
    throw filterError(
      `Invalid filter key "${key}": unknown operator "${match[2]}". Use one of ${FILTER_OPERATORS.join(', ')}.`,
      indexName,
    );
  return { columns: [unquote(match[1])], operator: operator as FilterOperator | undefined };
}

/**
 * Checks a filter before it is sent: keys and values of the dictionary form, and the column names
 * of the string form. `columns` (when known) are the index's columns; unknown ones are refused
 * with the list of valid ones.
 */
export function validateFilter(
  filter: VectorSearchFilter,
  columns: readonly string[] | undefined,
  indexName?: string,
): void {
  if (typeof filter === 'string') {
    for (const column of columnsOfFilterString(filter, indexName))
      checkColumn(column, columns, indexName, filter);
    return;
  }
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
    throw filterError(
      'A filter is either an object ({"column [operator]": value}) or a SQL-like string.',
      indexName,
    );
  for (const [key, value] of Object.entries(filter)) {
    const parsed = parseFilterKey(key, indexName);
    for (const column of parsed.columns) checkColumn(column, columns, indexName, key);
    checkValue(key, parsed, value, indexName);
  }
}

function checkValue(
  key: string,
  parsed: ParsedFilterKey,
  value: unknown,
  indexName: string | undefined,
): void {
  const scalar = (item: unknown) =>
    item === null || ['string', 'number', 'boolean'].includes(typeof item);
  if (parsed.columns.length > 1) {
    if (!Array.isArray(value) || value.length !== parsed.columns.length || !value.every(scalar))
      throw filterError(
        `Filter "${key}" needs a list of ${parsed.columns.length} values, one per column.`,
        indexName,
      );
    return;
  }
  switch (parsed.operator) {
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (typeof value !== 'number' && typeof value !== 'string')
        throw filterError(
          `Filter "${key}" compares with a number or a date/timestamp string, not ${JSON.stringify(value)}.`,
          indexName,
        );
      return;
    case 'LIKE':
    case 'NOT LIKE':
      if (typeof value !== 'string')
        throw filterError(
          `Filter "${key}" matches a string token, not ${JSON.stringify(value)}.`,
          indexName,
        );
      return;
    default:
      if (Array.isArray(value) ? !value.every(scalar) : !scalar(value))
        throw filterError(
          `Filter "${key}" takes a string, number, boolean or a list of them, not ${JSON.stringify(value)}.`,
          indexName,
        );
  }
}

function checkColumn(
  column: string,
  columns: readonly string[] | undefined,
  indexName: string | undefined,
  where: string,
): void {
  if (!columns || columns.includes(column)) return;
  throw filterError(
    `Filter "${where}" names column "${column}", which index ${indexName ?? ''} does not have. Columns: ${columns.join(', ')}.`,
    indexName,
  );
}

const SQL_WORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'IS',
  'NULL',
  'TRUE',
  'FALSE',
  'BETWEEN',
  'ARRAY_CONTAINS',
  'ARRAY_CONTAINS_ANY',
]);

/**
 * The column names a SQL-like filter string refers to: identifiers that are neither keywords nor
 * function names nor inside quotes. Quoted strings with an unterminated quote are refused.
 */
export function columnsOfFilterString(filter: string, indexName?: string): string[] {
  const columns: string[] = [];
  const pattern =
    /\s+|'(?:[^']|'')*'|"(?:[^"]|"")*"|`([^`]+)`|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)(\s*\()?|(<=|>=|!=|<>|=|<|>|\(|\)|,)/y;
  let position = 0;
  while (position < filter.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(filter);
    if (!match)
      throw filterError(
        `Cannot read the filter string at position ${position}: "${filter.slice(position, position + 20)}". Quote strings with '...'.`,
        indexName,
      );
    position = pattern.lastIndex;
    if (match[1] !== undefined) columns.push(match[1]);
    else if (
      match[3] !== undefined &&
      match[4] === undefined &&
      !SQL_WORDS.has(match[3].toUpperCase())
    )
      columns.push(match[3]);
  }
  return [...new Set(columns)];
}

function filterError(message: string, indexName: string | undefined): VectorSearchValidationError {
  return new VectorSearchValidationError(message, { parameter: 'filter', indexName });
}

/** The request fields for a filter: `filters_json` for a dictionary, `filter_string` for a string. */
export function filterRequestFields(filter: VectorSearchFilter | undefined): {
  filters_json?: string;
  filter_string?: string;
} {
  if (filter === undefined) return {};
  if (typeof filter === 'string') return filter.trim() ? { filter_string: filter } : {};
  return Object.keys(filter).length > 0 ? { filters_json: JSON.stringify(filter) } : {};
}
