/**
 * Databricks type names as the Statement Execution API reports them (`type_text`: `BIGINT`,
 * `DECIMAL(10,2)`, `ARRAY<STRUCT<a: INT, b: STRING>>`, `MAP<STRING, BIGINT>`), parsed into a tree
 * so that values nested in ARRAY / MAP / STRUCT are decoded by their own types, and the column
 * type the Thrift path reports (`BIGINT`, `DECIMAL(10,2)`, `ARRAY`, ...) for `QueryColumn`.
 */
import type { QueryColumn } from '../connection.js';
import type { ResultColumnInfo } from './wire.js';

export interface TypeNode {
  /** Upper-case base name: `BIGINT`, `DECIMAL`, `ARRAY`, `MAP`, `STRUCT`, `STRING`, ... */
  base: string;
  precision?: number;
  scale?: number;
  /** ARRAY: [element]; MAP: [key, value]; STRUCT: the fields, parallel to `names`. */
  children?: TypeNode[];
  names?: string[];
}

/** The `type_name` spellings of the API for the names SQL (and the Thrift path) uses. */
const BASE_ALIASES: Record<string, string> = {
  LONG: 'BIGINT',
  SHORT: 'SMALLINT',
  BYTE: 'TINYINT',
  INTEGER: 'INT',
  REAL: 'FLOAT',
  DEC: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  TIMESTAMP_LTZ: 'TIMESTAMP',
  NULL: 'VOID',
};

function canonicalBase(name: string): string {
  const upper = name.toUpperCase();
  return BASE_ALIASES[upper] ?? upper;
}

/** Parses a type text; anything it does not understand becomes `STRING`, never an error. */
export function parseTypeText(text: string): TypeNode {
  let index = 0;
  const skipSpace = () => {
    while (index < text.length && /\s/.test(text[index]!)) index += 1;
  };
  const identifier = (): string => {
    skipSpace();
    if (text[index] === '`') {
      let out = '';
      index += 1;
      while (index < text.length) {
        if (text[index] === '`' && text[index + 1] === '`') {
          out += '`';
          index += 2;
        } else if (text[index] === '`') {
          index += 1;
          break;
        } else {
          out += text[index++];
        }
      }
      return out;
    }
    const start = index;
    while (index < text.length && !/[\s<>(),:]/.test(text[index]!)) index += 1;
    return text.slice(start, index);
  };
  const accept = (char: string): boolean => {
    skipSpace();
    if (text[index] !== char) return false;
    index += 1;
    return true;
  };
  /** Skips `NOT NULL` and `COMMENT '...'` after a STRUCT field's type. */
  const skipFieldTail = () => {
    for (;;) {
      skipSpace();
      const rest = text.slice(index);
      const notNull = /^NOT\s+NULL\b/i.exec(rest);
      if (notNull) {
        index += notNull[0].length;
        continue;
      }
      const comment = /^COMMENT\s+'(?:[^'\\]|\\.)*'/i.exec(rest);
      if (comment) {
        index += comment[0].length;
        continue;
      }
      return;
    }
  };
  const node = (): TypeNode => {
    const base = canonicalBase(identifier());
    if (base === 'DECIMAL') {
      if (accept('(')) {
        const precision = Number(identifier());
        const scale = accept(',') ? Number(identifier()) : 0;
        accept(')');
        return { base, precision, scale };
      }
      return { base, precision: 10, scale: 0 };
    }
    if ((base === 'CHAR' || base === 'VARCHAR') && accept('(')) {
      identifier();
      accept(')');
      return { base: 'STRING' };
    }
    if (base === 'ARRAY' && accept('<')) {
      const element = node();
      accept('>');
      return { base, children: [element] };
    }
    if (base === 'MAP' && accept('<')) {
      const key = node();
      accept(',');
      const value = node();
      accept('>');
      return { base, children: [key, value] };
    }
    if (base === 'STRUCT' && accept('<')) {
      const names: string[] = [];
      const children: TypeNode[] = [];
      while (!accept('>')) {
        if (index >= text.length) break;
        names.push(identifier());
        accept(':');
        children.push(node());
        skipFieldTail();
        accept(',');
      }
      return { base, children, names };
    }
    if (base === 'INTERVAL') {
      // `INTERVAL DAY TO SECOND`, `INTERVAL YEAR TO MONTH`: qualifiers are not part of the value.
      while (index < text.length && !/[<>(),]/.test(text[index]!)) index += 1;
      return { base };
    }
    return { base: base || 'STRING' };
  };
  return node();
}

/** The type tree of a manifest column (`type_text` when present, else `type_name`). */
export function typeOfColumn(column: ResultColumnInfo): TypeNode {
  if (column.type_text) return parseTypeText(column.type_text);
  const base = canonicalBase(column.type_name ?? 'STRING');
  if (base === 'DECIMAL')
    return { base, precision: column.type_precision ?? 10, scale: column.type_scale ?? 0 };
  return { base };
}

/**
 * The column as the Thrift path describes it (`QueryColumn.type`): the base name, with precision
 * and scale for DECIMAL; nested types by their outer name only, as TTypeId has them.
 */
export function queryColumnOf(column: ResultColumnInfo): QueryColumn {
  const node = typeOfColumn(column);
  let type = node.base;
  if (node.base === 'DECIMAL') type = `DECIMAL(${node.precision ?? 10},${node.scale ?? 0})`;
  else if (node.base === 'INTERVAL') {
    type = /YEAR|MONTH/i.test(column.type_text ?? column.type_interval_type ?? '')
      ? 'INTERVAL_YEAR_MONTH'
      : 'INTERVAL_DAY_TIME';
  }
  return { name: column.name, type };
}
