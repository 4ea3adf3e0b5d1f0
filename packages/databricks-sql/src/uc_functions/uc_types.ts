/**
 * Unity Catalog types of function parameters: read from a parameter's `type_json` (Spark's
 * StructField JSON, the most precise: nullability and struct field comments), else its
 * `type_text` (`array<struct<a:int,b:string>>`), else its `type_name`; written back as SQL type
 * text (for casts and `CREATE FUNCTION`, always re-rendered from the parsed type, so no text of a
 * definition reaches a statement unchecked); and turned into the zod schema a tool takes.
 */
import { z } from 'zod';
import { UCFunctionError } from './errors.js';

/** Primitive Unity Catalog types (`CHAR(n)` and `VARCHAR(n)` keep their length). */
export type UCPrimitiveName =
  | 'STRING'
  | 'CHAR'
  | 'VARCHAR'
  | 'TINYINT'
  | 'SMALLINT'
  | 'INT'
  | 'BIGINT'
  | 'FLOAT'
  | 'DOUBLE'
  | 'DECIMAL'
  | 'BOOLEAN'
  | 'DATE'
  | 'TIMESTAMP'
  | 'TIMESTAMP_NTZ'
  | 'BINARY'
  | 'INTERVAL'
  | 'VARIANT'
  | 'VOID';

export interface UCStructField {
  name: string;
  type: UCType;
  nullable: boolean;
  comment?: string;
}

export type UCType =
  | {
      kind: 'primitive';
      name: UCPrimitiveName;
      /** DECIMAL precision, or the length of CHAR / VARCHAR. */
      precision?: number;
      /** DECIMAL scale. */
      scale?: number;
      /** INTERVAL qualifier, upper case: `DAY TO SECOND`, `YEAR TO MONTH`, `HOUR`... */
      qualifier?: string;
    }
  | { kind: 'array'; element: UCType; containsNull: boolean }
  | { kind: 'map'; key: UCType; value: UCType; valueContainsNull: boolean }
  | { kind: 'struct'; fields: UCStructField[] };

const ALIASES: Record<string, UCPrimitiveName> = {
  STRING: 'STRING',
  CHAR: 'CHAR',
  VARCHAR: 'VARCHAR',
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
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMP',
  TIMESTAMP_NTZ: 'TIMESTAMP_NTZ',
  BINARY: 'BINARY',
  INTERVAL: 'INTERVAL',
  VARIANT: 'VARIANT',
  VOID: 'VOID',
  NULL: 'VOID',
};

const INTERVAL_UNITS = new Set(['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND', 'TO']);

function unsupported(text: string, detail: string): UCFunctionError {
  return new UCFunctionError(`Unsupported Unity Catalog type ${JSON.stringify(text)}: ${detail}.`, {
    reason: 'unsupported_type',
  });
}

// ---------------------------------------------------------------------------------------------
// type_text

type Token = { kind: 'word' | 'number' | 'string' | 'symbol'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      tokens.push({ kind: 'word', value: match });
      i += match.length;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9]+/.exec(text.slice(i))![0];
      tokens.push({ kind: 'number', value: match });
      i += match.length;
    } else if (c === '`') {
      // A quoted field name; `` is an escaped backtick.
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw unsupported(text, 'unclosed backtick');
        if (text[i] === '`') {
          if (text[i + 1] === '`') {
            value += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ kind: 'word', value });
    } else if (c === "'" || c === '"') {
      // A struct field's COMMENT literal, with backslash escapes.
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw unsupported(text, 'unclosed string');
        const d = text[i]!;
        if (d === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        i++;
        if (d === c) break;
        value += d;
      }
      tokens.push({ kind: 'string', value });
    } else if ('<>(),:'.includes(c)) {
      tokens.push({ kind: 'symbol', value: c });
      i++;
    } else {
      throw unsupported(text, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  return tokens;
}

class TypeTextParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): UCType {
    const type = this.type();
    if (this.position < this.tokens.length)
      throw unsupported(this.text, `unexpected ${JSON.stringify(this.peek()?.value)}`);
    return type;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isSymbol(value: string): boolean {
    const token = this.peek();
    return token?.kind === 'symbol' && token.value === value;
  }

  private isWord(value: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.value.toUpperCase() === value;
  }

  private expectSymbol(value: string): void {
    if (!this.isSymbol(value))
      throw unsupported(
        this.text,
        `expected ${JSON.stringify(value)}, found ${JSON.stringify(this.peek()?.value ?? 'the end')}`,
      );
    this.position++;
  }

  private number(): number {
    const token = this.peek();
    if (token?.kind !== 'number') throw unsupported(this.text, 'expected a number');
    this.position++;
    return Number(token.value);
  }

  private type(): UCType {
    const token = this.peek();
    if (token?.kind !== 'word') throw unsupported(this.text, 'expected a type name');
    this.position++;
    const word = token.value.toUpperCase();
    if (word === 'ARRAY') {
      this.expectSymbol('<');
      const element = this.type();
      this.expectSymbol('>');
      return { kind: 'array', element, containsNull: true };
    }
    if (word === 'MAP') {
      this.expectSymbol('<');
      const key = this.type();
      this.expectSymbol(',');
      const value = this.type();
      this.expectSymbol('>');
      return { kind: 'map', key, value, valueContainsNull: true };
    }
    if (word === 'STRUCT') {
      this.expectSymbol('<');
      const fields: UCStructField[] = [];
      while (!this.isSymbol('>')) {
        if (fields.length > 0) this.expectSymbol(',');
        fields.push(this.field());
      }
      this.expectSymbol('>');
      return { kind: 'struct', fields };
    }
    const name = ALIASES[word];
    if (!name) throw unsupported(this.text, `unknown type ${token.value}`);
    if (name === 'INTERVAL') {
      const units: string[] = [];
      while (this.peek()?.kind === 'word' && INTERVAL_UNITS.has(this.peek()!.value.toUpperCase()))
        units.push(this.tokens[this.position++]!.value.toUpperCase());
      return { kind: 'primitive', name, ...(units.length ? { qualifier: units.join(' ') } : {}) };
    }
    if ((name === 'DECIMAL' || name === 'CHAR' || name === 'VARCHAR') && this.isSymbol('(')) {
      this.position++;
      const precision = this.number();
      let scale: number | undefined;
      if (name === 'DECIMAL' && this.isSymbol(',')) {
        this.position++;
        scale = this.number();
      }
      this.expectSymbol(')');
      return {
        kind: 'primitive',
        name,
        precision,
        ...(name === 'DECIMAL' ? { scale: scale ?? 0 } : {}),
      };
    }
    if (name === 'DECIMAL') return { kind: 'primitive', name, precision: 10, scale: 0 };
    return { kind: 'primitive', name };
  }

  private field(): UCStructField {
    const token = this.peek();
    if (token?.kind !== 'word') throw unsupported(this.text, 'expected a struct field name');
    this.position++;
    if (this.isSymbol(':')) this.position++;
    const type = this.type();
    let nullable = true;
    let comment: string | undefined;
    for (;;) {
      if (this.isWord('NOT')) {
        this.position++;
        if (!this.isWord('NULL')) throw unsupported(this.text, 'expected NULL after NOT');
        this.position++;
        nullable = false;
      } else if (this.isWord('COMMENT')) {
        this.position++;
        const literal = this.peek();
        if (literal?.kind !== 'string') throw unsupported(this.text, 'expected a comment string');
        this.position++;
        comment = literal.value;
      } else break;
    }
    return { name: token.value, type, nullable, ...(comment !== undefined ? { comment } : {}) };
  }
}

/** Parses a type as SQL writes it: `INT`, `decimal(10,2)`, `ARRAY<STRUCT<a: INT NOT NULL>>`. */
export function parseTypeText(text: string): UCType {
  return new TypeTextParser(text, tokenize(text)).parse();
}

// ---------------------------------------------------------------------------------------------
// type_json (Spark's DataType JSON)

const JSON_NAMES: Record<string, UCPrimitiveName> = {
  string: 'STRING',
  byte: 'TINYINT',
  short: 'SMALLINT',
  integer: 'INT',
  long: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  timestamp_ltz: 'TIMESTAMP',
  timestamp_ntz: 'TIMESTAMP_NTZ',
  binary: 'BINARY',
  variant: 'VARIANT',
  void: 'VOID',
  null: 'VOID',
};

/** A Spark DataType JSON (`"integer"`, `{"type":"array","elementType":...}`, ...). */
export function typeFromJson(json: unknown): UCType {
  if (typeof json === 'string') {
    const name = JSON_NAMES[json.toLowerCase()];
    if (name) return { kind: 'primitive', name };
    // decimal(10,2), char(3), varchar(10), interval day to second: the text grammar reads them.
    return parseTypeText(json);
  }
  if (json === null || typeof json !== 'object')
    throw unsupported(JSON.stringify(json), 'not a Spark type');
  const node = json as Record<string, unknown>;
  switch (node.type) {
    case 'array':
      return {
        kind: 'array',
        element: typeFromJson(node.elementType),
        containsNull: node.containsNull !== false,
      };
    case 'map':
      return {
        kind: 'map',
        key: typeFromJson(node.keyType),
        value: typeFromJson(node.valueType),
        valueContainsNull: node.valueContainsNull !== false,
      };
    case 'struct': {
      const fields = Array.isArray(node.fields) ? (node.fields as unknown[]) : [];
      return { kind: 'struct', fields: fields.map(fieldFromJson) };
    }
    default:
      // A StructField itself (a parameter's type_json is one): its `type` is the type.
      if ('name' in node && 'type' in node) return typeFromJson(node.type);
      throw unsupported(JSON.stringify(json), 'not a Spark type');
  }
}

function fieldFromJson(json: unknown): UCStructField {
  const node = (json ?? {}) as Record<string, unknown>;
  if (typeof node.name !== 'string')
    throw unsupported(JSON.stringify(json), 'a struct field without a name');
  const metadata = (node.metadata ?? {}) as Record<string, unknown>;
  return {
    name: node.name,
    type: typeFromJson(node.type),
    nullable: node.nullable !== false,
    ...(typeof metadata.comment === 'string' ? { comment: metadata.comment } : {}),
  };
}

/** The parts of a `FunctionParameterInfo` that say its type. */
export interface TypedParameterInfo {
  name?: string;
  type_text?: string;
  type_json?: string;
  type_name?: string;
  type_precision?: number;
  type_scale?: number;
  type_interval_type?: string;
}

/** A parameter's type from `type_json`, else `type_text`, else `type_name`. */
export function parameterType(info: TypedParameterInfo): UCType {
  if (typeof info.type_json === 'string' && info.type_json.trim() !== '') {
    try {
      return typeFromJson(JSON.parse(info.type_json));
    } catch {
      // An unreadable type_json: the text says the same thing.
    }
  }
  if (typeof info.type_text === 'string' && info.type_text.trim() !== '')
    return parseTypeText(info.type_text);
  if (typeof info.type_name === 'string' && info.type_name.trim() !== '') {
    const name = info.type_name.toUpperCase();
    if (name === 'DECIMAL')
      return {
        kind: 'primitive',
        name: 'DECIMAL',
        precision: info.type_precision ?? 10,
        scale: info.type_scale ?? 0,
      };
    if (name === 'INTERVAL' && info.type_interval_type)
      return parseTypeText(`INTERVAL ${info.type_interval_type}`);
    return parseTypeText(name);
  }
  throw unsupported(info.name ?? '?', 'the parameter has no type_json, type_text or type_name');
}

// ---------------------------------------------------------------------------------------------
// SQL text

/** An identifier in backticks (`` ` `` doubled), as Databricks SQL quotes names. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A Databricks SQL string literal: backslashes and quotes escaped. */
export function quoteString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The SQL text of a type, from its parsed form (field names quoted; struct comments kept). */
export function typeSql(type: UCType, options: { comments?: boolean } = {}): string {
  switch (type.kind) {
    case 'array':
      return `ARRAY<${typeSql(type.element, options)}>`;
    case 'map':
      return `MAP<${typeSql(type.key, options)}, ${typeSql(type.value, options)}>`;
    case 'struct':
      return `STRUCT<${type.fields
        .map(
          (field) =>
            `${quoteIdentifier(field.name)}: ${typeSql(field.type, options)}${field.nullable ? '' : ' NOT NULL'}${
              options.comments && field.comment !== undefined
                ? ` COMMENT ${quoteString(field.comment)}`
                : ''
            }`,
        )
        .join(', ')}>`;
    default:
      if (type.name === 'DECIMAL') return `DECIMAL(${type.precision ?? 10},${type.scale ?? 0})`;
      if ((type.name === 'CHAR' || type.name === 'VARCHAR') && type.precision !== undefined)
        return `${type.name}(${type.precision})`;
      if (type.name === 'INTERVAL' && type.qualifier) return `INTERVAL ${type.qualifier}`;
      return type.name;
  }
}

// ---------------------------------------------------------------------------------------------
// The tool's input schema

const INTEGER_RANGES: Partial<Record<UCPrimitiveName, [number, number]>> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32_768, 32_767],
  INT: [-2_147_483_648, 2_147_483_647],
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The zod schema of a value of `type`. Integers beyond 2^53 and exact decimals may also come as
 * strings (a JSON number would lose digits before the tool sees it); dates, timestamps and
 * intervals are strings the warehouse casts; BINARY is base64; VARIANT any JSON value.
 */
export function zodOfType(type: UCType): z.ZodType {
  switch (type.kind) {
    case 'array':
      return z.array(zodOfType(type.element));
    case 'map':
      return z.record(z.string(), zodOfType(type.value));
    case 'struct':
      return z.object(
        Object.fromEntries(
          type.fields.map((field) => {
            const value = zodOfType(field.type);
            const schema = field.nullable ? value.nullable().optional() : value;
            return [field.name, field.comment ? schema.describe(field.comment) : schema];
          }),
        ),
      );
    default:
      break;
  }
  const range = INTEGER_RANGES[type.name];
  if (range) return z.number().int().min(range[0]).max(range[1]);
  switch (type.name) {
    case 'BIGINT':
      return z.union([z.number().int(), z.string().regex(/^-?\d+$/)]);
    case 'FLOAT':
    case 'DOUBLE':
      return z.number();
    case 'DECIMAL':
      return z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]);
    case 'BOOLEAN':
      return z.boolean();
    case 'DATE':
      // A plain pattern: the warehouse checks the calendar (and says so to the model).
      return z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
    case 'BINARY':
      return z.string().regex(BASE64, 'expected base64');
    case 'VARIANT':
      // Any JSON value; `{}` as JSON schema (a recursive JSON type would need `$ref`, which
      // several model APIs refuse).
      return z.unknown();
    case 'VOID':
      return z.null();
    default:
      // STRING, CHAR, VARCHAR, TIMESTAMP, TIMESTAMP_NTZ, INTERVAL.
      return z.string();
  }
}

/** A few words on how to write a value of `type`, for the parameter's description. */
export function typeHint(type: UCType): string | undefined {
  if (type.kind !== 'primitive') return undefined;
  switch (type.name) {
    case 'BIGINT':
      return 'an integer (a string of digits for values beyond 2^53)';
    case 'DECIMAL':
      return `a decimal number with at most ${type.scale ?? 0} decimal places (a string keeps every digit)`;
    case 'DATE':
      return 'a date, YYYY-MM-DD';
    case 'TIMESTAMP':
      return 'a timestamp, ISO 8601 (2024-01-31T13:45:00Z)';
    case 'TIMESTAMP_NTZ':
      return 'a timestamp without time zone, ISO 8601 (2024-01-31T13:45:00)';
    case 'BINARY':
      return 'bytes, base64-encoded';
    case 'INTERVAL':
      return `an interval${type.qualifier ? ` (${type.qualifier})` : ''}, e.g. "1 day"`;
    default:
      return undefined;
  }
}
