/**
 * Spark / Databricks type text as a tree, and the forms Unity Catalog and the engine need of it:
 * the canonical `type_text` (`array<string>`), the SQL form (`ARRAY<STRING>`), the
 * `ColumnTypeName` (`ARRAY`), Spark's JSON type (`{"type":"array","elementType":"string",...}`),
 * and DuckDB's type. Function parameters, return types and table-function columns are stored as
 * these trees (see functions/function_definition.ts).
 */
import { SqlError } from '../sql_error.js';
import { isSignificant, type Token, tokenize } from './lexer.js';
import { identQuote } from './sql_quoting.js';

export interface SparkStructField {
  name: string;
  type: SparkType;
  nullable: boolean;
  comment?: string;
}

export type SparkType =
  | {
      kind: 'primitive';
      /** Canonical upper-case name: `INT`, `BIGINT`, `DECIMAL`, `STRING`, `TIMESTAMP_NTZ`, ... */
      name: string;
      precision?: number;
      scale?: number;
      /** CHAR(n) / VARCHAR(n). */
      length?: number;
      /** The qualifier of an INTERVAL (`DAY TO SECOND`, `YEAR TO MONTH`, `DAY`, ...). */
      qualifier?: string;
    }
  | { kind: 'array'; element: SparkType; containsNull: boolean }
  | { kind: 'map'; key: SparkType; value: SparkType; valueContainsNull: boolean }
  | { kind: 'struct'; fields: SparkStructField[] };

/** Aliases Spark accepts → the canonical name Databricks prints. */
const ALIASES: Record<string, string> = {
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  TINYINT: 'TINYINT',
  BYTE: 'TINYINT',
  SMALLINT: 'SMALLINT',
  SHORT: 'SMALLINT',
  INT: 'INT',
  INTEGER: 'INT',
  BIGINT: 'BIGINT',
  LONG: 'BIGINT',
  FLOAT: 'FLOAT',
  REAL: 'FLOAT',
  DOUBLE: 'DOUBLE',
  DECIMAL: 'DECIMAL',
  DEC: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  STRING: 'STRING',
  CHAR: 'CHAR',
  CHARACTER: 'CHAR',
  VARCHAR: 'VARCHAR',
  BINARY: 'BINARY',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMP',
  TIMESTAMP_NTZ: 'TIMESTAMP_NTZ',
  INTERVAL: 'INTERVAL',
  VOID: 'VOID',
  NULL: 'VOID',
  VARIANT: 'VARIANT',
  GEOGRAPHY: 'GEOGRAPHY',
  GEOMETRY: 'GEOMETRY',
};

const INTERVAL_UNITS = new Set(['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND']);

function invalidType(text: string, detail: string): SqlError {
  return new SqlError(
    'UNSUPPORTED_DATATYPE',
    '0A000',
    `Unsupported data type ${JSON.stringify(text.trim())}: ${detail}.`,
  );
}

/**
 * The lexer reads `a:INT` as the name `a` and a named parameter marker `:INT`: in a type, that is
 * a field name, `:` and a type.
 */
export function splitTypeMarkers(tokens: Token[]): Token[] {
  return tokens.flatMap((token) =>
    token.kind === 'named_param'
      ? [
          { kind: 'op', text: ':', value: ':', pos: token.pos },
          { kind: 'ident', text: token.value, value: token.value, pos: token.pos + 1 },
        ]
      : [token],
  );
}

class TypeReader {
  pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}
  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }
  next(): Token {
    const token = this.tokens[this.pos++];
    if (!token) throw invalidType(this.source, 'unexpected end');
    return token;
  }
  expect(text: string): void {
    const token = this.next();
    if (token.text !== text)
      throw invalidType(this.source, `expected '${text}' at '${token.text}'`);
  }
  integer(): number {
    const token = this.next();
    if (token.kind !== 'number' || !/^\d+$/.test(token.text))
      throw invalidType(this.source, `expected a number at '${token.text}'`);
    return Number(token.text);
  }
  read(): SparkType {
    const token = this.next();
    if (token.kind !== 'ident' && token.kind !== 'qident')
      throw invalidType(this.source, `expected a type at '${token.text}'`);
    const upper = token.value.toUpperCase();
    if (upper === 'ARRAY' && this.peek()?.text === '<') {
      this.next();
      const element = this.read();
      this.closeAngle();
      return { kind: 'array', element, containsNull: true };
    }
    if (upper === 'MAP' && this.peek()?.text === '<') {
      this.next();
      const key = this.read();
      this.expect(',');
      const value = this.read();
      this.closeAngle();
      return { kind: 'map', key, value, valueContainsNull: true };
    }
    if (upper === 'STRUCT' && this.peek()?.text === '<') {
      this.next();
      const fields = this.fields('>');
      this.closeAngle();
      return { kind: 'struct', fields };
    }
    const name = ALIASES[upper];
    if (!name) throw invalidType(this.source, `unknown type '${token.value}'`);
    if (name === 'DECIMAL') {
      let precision = 10;
      let scale = 0;
      if (this.peek()?.text === '(') {
        this.next();
        precision = this.integer();
        if (this.peek()?.text === ',') {
          this.next();
          scale = this.integer();
        }
        this.expect(')');
      }
      if (precision < 1 || precision > 38 || scale > precision)
        throw invalidType(this.source, 'DECIMAL precision is 1 to 38 and scale at most precision');
      return { kind: 'primitive', name, precision, scale };
    }
    if (name === 'CHAR' || name === 'VARCHAR') {
      this.expect('(');
      const length = this.integer();
      this.expect(')');
      return { kind: 'primitive', name, length };
    }
    if (name === 'INTERVAL') {
      const units: string[] = [];
      while (INTERVAL_UNITS.has(this.peek()?.value.toUpperCase() ?? '') || this.isTo()) {
        units.push(this.next().value.toUpperCase());
      }
      return { kind: 'primitive', name, qualifier: units.join(' ') || 'DAY TO SECOND' };
    }
    if ((name === 'GEOGRAPHY' || name === 'GEOMETRY') && this.peek()?.text === '(') {
      // GEOGRAPHY(4326) / GEOMETRY(ANY): the reference system is not kept.
      this.next();
      while (this.peek() && this.peek()?.text !== ')') this.next();
      this.expect(')');
    }
    return { kind: 'primitive', name };
  }
  private isTo(): boolean {
    return this.peek()?.value.toUpperCase() === 'TO' && this.pos > 0;
  }
  /** `>` may be lexed together with the next character (`>>` is not an operator here). */
  private closeAngle(): void {
    this.expect('>');
  }
  /** `name[:] type [NOT NULL] [COMMENT '...']` fields, up to `end` (not consumed). */
  fields(end: string): SparkStructField[] {
    const fields: SparkStructField[] = [];
    while (this.peek() && this.peek()?.text !== end) {
      const nameToken = this.next();
      if (nameToken.kind !== 'ident' && nameToken.kind !== 'qident')
        throw invalidType(this.source, `expected a field name at '${nameToken.text}'`);
      if (this.peek()?.text === ':') this.next();
      const type = this.read();
      const field: SparkStructField = { name: nameToken.value, type, nullable: true };
      for (;;) {
        const word = this.peek()?.value.toUpperCase();
        if (word === 'NOT' && this.peek(1)?.value.toUpperCase() === 'NULL') {
          this.pos += 2;
          field.nullable = false;
        } else if (word === 'COMMENT' && this.peek(1)?.kind === 'string') {
          field.comment = (this.peek(1) as Token).value;
          this.pos += 2;
        } else break;
      }
      fields.push(field);
      if (this.peek()?.text === ',') this.next();
      else break;
    }
    return fields;
  }
}

/** Parse Spark type text (`INT`, `decimal(10, 2)`, `ARRAY<STRUCT<a: INT, b STRING>>`, ...). */
export function parseTypeText(text: string): SparkType {
  const tokens = splitTypeMarkers(tokenize(text).filter(isSignificant));
  const reader = new TypeReader(tokens, text);
  const type = reader.read();
  if (reader.peek()) throw invalidType(text, `unexpected '${reader.peek()?.text}'`);
  return type;
}

/**
 * The type that starts `tokens` (significant tokens, split with `splitTypeMarkers`), and the
 * index after it. For parsers of statements that hold types (CREATE FUNCTION).
 */
export function readType(tokens: Token[], start: number): { type: SparkType; end: number } {
  const reader = new TypeReader(tokens.slice(start), tokens.map((t) => t.text).join(' '));
  const type = reader.read();
  return { type, end: start + reader.pos };
}

/** The fields of a `TABLE (a INT COMMENT '...', b STRING)` / `STRUCT<...>` list from `start`. */
export function readFields(
  tokens: Token[],
  start: number,
  end: string,
): { fields: SparkStructField[]; end: number } {
  const reader = new TypeReader(tokens.slice(start), tokens.map((t) => t.text).join(' '));
  const fields = reader.fields(end);
  return { fields, end: start + reader.pos };
}

function fieldName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replace(/`/g, '``')}\``;
}

/** Databricks' `type_text`: lower case, no spaces (`decimal(10,2)`, `map<string,int>`). */
export function typeText(type: SparkType): string {
  switch (type.kind) {
    case 'array':
      return `array<${typeText(type.element)}>`;
    case 'map':
      return `map<${typeText(type.key)},${typeText(type.value)}>`;
    case 'struct':
      return `struct<${type.fields
        .map(
          (field) =>
            `${fieldName(field.name)}:${typeText(field.type)}${field.nullable ? '' : ' not null'}`,
        )
        .join(',')}>`;
    default:
      return primitiveText(type).toLowerCase();
  }
}

function primitiveText(type: Extract<SparkType, { kind: 'primitive' }>): string {
  switch (type.name) {
    case 'DECIMAL':
      return `DECIMAL(${type.precision ?? 10},${type.scale ?? 0})`;
    case 'CHAR':
    case 'VARCHAR':
      return `${type.name}(${type.length ?? 1})`;
    case 'INTERVAL':
      return `INTERVAL ${type.qualifier ?? 'DAY TO SECOND'}`;
    default:
      return type.name;
  }
}

/** The SQL form (`ARRAY<STRING>`, `STRUCT<a: INT, b: STRING>`), as DDL and DESCRIBE print it. */
export function typeSql(type: SparkType): string {
  switch (type.kind) {
    case 'array':
      return `ARRAY<${typeSql(type.element)}>`;
    case 'map':
      return `MAP<${typeSql(type.key)}, ${typeSql(type.value)}>`;
    case 'struct':
      return `STRUCT<${type.fields
        .map(
          (field) =>
            `${fieldName(field.name)}: ${typeSql(field.type)}${field.nullable ? '' : ' NOT NULL'}${field.comment === undefined ? '' : ` COMMENT '${field.comment.replace(/'/g, "\\'")}'`}`,
        )
        .join(', ')}>`;
    default:
      return primitiveText(type);
  }
}

/** Unity Catalog's `ColumnTypeName` of a type. */
export function columnTypeName(type: SparkType): string {
  switch (type.kind) {
    case 'array':
      return 'ARRAY';
    case 'map':
      return 'MAP';
    case 'struct':
      return 'STRUCT';
    default:
      return (
        (
          {
            TINYINT: 'BYTE',
            SMALLINT: 'SHORT',
            BIGINT: 'LONG',
            VARCHAR: 'STRING',
            VOID: 'NULL',
          } as Record<string, string>
        )[type.name] ?? type.name
      );
  }
}

/** Spark's JSON form of a type (`DataType.json`): a simple name or an object for nested types. */
export function typeJson(type: SparkType): unknown {
  switch (type.kind) {
    case 'array':
      return {
        type: 'array',
        elementType: typeJson(type.element),
        containsNull: type.containsNull,
      };
    case 'map':
      return {
        type: 'map',
        keyType: typeJson(type.key),
        valueType: typeJson(type.value),
        valueContainsNull: type.valueContainsNull,
      };
    case 'struct':
      return { type: 'struct', fields: type.fields.map(fieldJson) };
    default:
      switch (type.name) {
        case 'TINYINT':
          return 'byte';
        case 'SMALLINT':
          return 'short';
        case 'INT':
          return 'integer';
        case 'BIGINT':
          return 'long';
        case 'VOID':
          return 'void';
        case 'DECIMAL':
          return `decimal(${type.precision ?? 10},${type.scale ?? 0})`;
        default:
          return primitiveText(type).toLowerCase();
      }
  }
}

/** One field as Spark's `StructField.json` (the `type_json` of a parameter or column). */
export function fieldJson(field: SparkStructField): Record<string, unknown> {
  return {
    name: field.name,
    type: typeJson(field.type),
    nullable: field.nullable,
    metadata: field.comment === undefined ? {} : { comment: field.comment },
  };
}

/** The DuckDB type a value of this type is held in. */
export function duckDbType(type: SparkType): string {
  switch (type.kind) {
    case 'array':
      return `${duckDbType(type.element)}[]`;
    case 'map':
      return `MAP(${duckDbType(type.key)}, ${duckDbType(type.value)})`;
    case 'struct':
      return `STRUCT(${type.fields.map((field) => `${identQuote(field.name)} ${duckDbType(field.type)}`).join(', ')})`;
    default:
      switch (type.name) {
        case 'STRING':
        case 'CHAR':
        case 'VARCHAR':
        case 'GEOGRAPHY':
        case 'GEOMETRY':
          return 'VARCHAR';
        case 'INT':
          return 'INTEGER';
        case 'BINARY':
          return 'BLOB';
        case 'TIMESTAMP_NTZ':
          return 'TIMESTAMP';
        case 'DECIMAL':
          return `DECIMAL(${type.precision ?? 10},${type.scale ?? 0})`;
        case 'VARIANT':
          return 'JSON';
        case 'VOID':
          return '"NULL"';
        default:
          return type.name;
      }
  }
}

const JSON_SIMPLE: Record<string, string> = {
  byte: 'TINYINT',
  short: 'SMALLINT',
  integer: 'INT',
  long: 'BIGINT',
  void: 'VOID',
};

/** A type from Spark's JSON form (`type_json`'s `type`), the inverse of `typeJson`. */
export function typeFromJson(json: unknown): SparkType {
  if (typeof json === 'string') {
    const simple = JSON_SIMPLE[json.toLowerCase()];
    return parseTypeText(simple ?? json);
  }
  const value = json as Record<string, unknown> | null;
  switch (value?.type) {
    case 'array':
      return {
        kind: 'array',
        element: typeFromJson(value.elementType),
        containsNull: value.containsNull !== false,
      };
    case 'map':
      return {
        kind: 'map',
        key: typeFromJson(value.keyType),
        value: typeFromJson(value.valueType),
        valueContainsNull: value.valueContainsNull !== false,
      };
    case 'struct':
      return {
        kind: 'struct',
        fields: ((value.fields as Array<Record<string, unknown>>) ?? []).map((field) => {
          const comment = (field.metadata as Record<string, unknown> | undefined)?.comment;
          return {
            name: String(field.name),
            type: typeFromJson(field.type),
            nullable: field.nullable !== false,
            ...(typeof comment === 'string' ? { comment } : {}),
          };
        }),
      };
    default:
      throw invalidType(JSON.stringify(json), 'not a Spark JSON type');
  }
}
