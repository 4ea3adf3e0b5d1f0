/**
 * Databricks types as Arrow types, the way a Databricks SQL warehouse answers a client that reads
 * Arrow: BIGINT → Int64, DATE → Date32, BINARY → Binary; TIMESTAMP → Timestamp (microsecond, UTC)
 * when `timestampAsArrow` else text; DECIMAL → Decimal128 when `decimalAsArrow` else text;
 * ARRAY/MAP/STRUCT → List/Map/Struct when `complexTypesAsArrow` else JSON text; INTERVAL → text
 * (the driver sends `intervalTypesAsArrow: false`).
 */
// apache-arrow 13 (the version @databricks/sql 2.1 reads with) declares its types only through
// `types`, which its `exports` map hides from TypeScript's Bundler resolution: take the runtime
// from the package and the types from its declaration file.

// biome-ignore lint/suspicious/noTsIgnore: see above (the error only appears under tsc).
// @ts-ignore
import * as ArrowRuntime from 'apache-arrow';
import type * as ArrowTypes from '../../../node_modules/apache-arrow/Arrow.node.js';

/** apache-arrow 13, typed. */
export const Arrow = ArrowRuntime as typeof ArrowTypes;
export type { ArrowTypes };

const {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  List,
  Map_,
  Null,
  Struct,
  TimestampMicrosecond,
  Utf8,
} = Arrow;
type DataType = ArrowTypes.DataType;

import type { ThriftStruct } from './thrift_types.js';

/** What the client asked for in `TExecuteStatementReq` (`canReadArrowResult`, `useArrowNativeTypes`). */
export interface ArrowOptions {
  timestampAsArrow: boolean;
  decimalAsArrow: boolean;
  complexTypesAsArrow: boolean;
}

/** The Arrow options of an ExecuteStatement request; undefined when the client reads no Arrow. */
export function arrowOptionsOf(request: ThriftStruct): ArrowOptions | undefined {
  if (!request?.canReadArrowResult) return undefined;
  const native = request.useArrowNativeTypes;
  return {
    timestampAsArrow: Boolean(native?.timestampAsArrow),
    decimalAsArrow: Boolean(native?.decimalAsArrow),
    complexTypesAsArrow: Boolean(native?.complexTypesAsArrow),
  };
}

/** A parsed Databricks type name: `MAP<STRING,ARRAY<DECIMAL(10,2)>>` → a tree. */
export interface TypeNode {
  base: string;
  precision?: number;
  scale?: number;
  children?: TypeNode[];
  /** STRUCT field names, parallel to `children`. */
  names?: string[];
}

/** Parse a Databricks type name (`ARRAY<STRUCT<a:INT,b:STRING>>`, `DECIMAL(10,2)`, ...). */
export function parseTypeName(text: string): TypeNode {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i += 1;
  };
  const ident = (): string => {
    ws();
    if (text[i] === '`') {
      let out = '';
      i += 1;
      while (i < text.length) {
        if (text[i] === '`' && text[i + 1] === '`') {
          out += '`';
          i += 2;
        } else if (text[i] === '`') {
          i += 1;
          break;
        } else out += text[i++];
      }
      return out;
    }
    const start = i;
    while (i < text.length && !/[\s<>(),:]/.test(text[i] as string)) i += 1;
    return text.slice(start, i);
  };
  const expect = (char: string) => {
    ws();
    if (text[i] === char) i += 1;
  };
  const node = (): TypeNode => {
    let base = ident().toUpperCase();
    ws();
    if (base === 'INTERVAL') {
      // INTERVAL DAY TO SECOND, INTERVAL YEAR TO MONTH...: words up to a delimiter.
      while (i < text.length && !/[<>(),]/.test(text[i] as string)) i += 1;
      return { base };
    }
    if (text[i] === '(') {
      const close = text.indexOf(')', i);
      const args = text
        .slice(i + 1, close < 0 ? text.length : close)
        .split(',')
        .map((part) => Number(part.trim()));
      i = close < 0 ? text.length : close + 1;
      if (base === 'DECIMAL' || base === 'DEC' || base === 'NUMERIC') {
        return { base: 'DECIMAL', precision: args[0] ?? 10, scale: args[1] ?? 0 };
      }
      return { base };
    }
    if (base === 'DEC' || base === 'NUMERIC') base = 'DECIMAL';
    if (base === 'DECIMAL') return { base, precision: 10, scale: 0 };
    if (text[i] !== '<') return { base };
    i += 1;
    if (base === 'ARRAY') {
      const element = node();
      expect('>');
      return { base, children: [element] };
    }
    if (base === 'MAP') {
      const key = node();
      expect(',');
      const value = node();
      expect('>');
      return { base, children: [key, value] };
    }
    if (base === 'STRUCT') {
      const names: string[] = [];
      const children: TypeNode[] = [];
      ws();
      while (i < text.length && text[i] !== '>') {
        names.push(ident());
        expect(':');
        children.push(node());
        ws();
        if (text[i] === ',') i += 1;
        ws();
      }
      expect('>');
      return { base, names, children };
    }
    // Unknown parameterised type: skip to the matching '>'.
    let depth = 1;
    while (i < text.length && depth > 0) {
      if (text[i] === '<') depth += 1;
      if (text[i] === '>') depth -= 1;
      i += 1;
    }
    return { base };
  };
  return node();
}

/** The Arrow type Databricks sends for a (possibly nested) Databricks type. */
export function arrowTypeOf(node: TypeNode, options: ArrowOptions): DataType {
  switch (node.base) {
    case 'BOOLEAN':
      return new Bool();
    case 'TINYINT':
    case 'BYTE':
      return new Int8();
    case 'SMALLINT':
    case 'SHORT':
      return new Int16();
    case 'INT':
    case 'INTEGER':
      return new Int32();
    case 'BIGINT':
    case 'LONG':
      return new Int64();
    case 'FLOAT':
    case 'REAL':
      return new Float32();
    case 'DOUBLE':
      return new Float64();
    case 'DATE':
      return new DateDay();
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP_NTZ':
      return options.timestampAsArrow ? new TimestampMicrosecond('Etc/UTC') : new Utf8();
    case 'DECIMAL':
      return options.decimalAsArrow
        ? new Decimal(node.scale ?? 0, node.precision ?? 10, 128)
        : new Utf8();
    case 'BINARY':
      return new Binary();
    case 'VOID':
    case 'NULL':
      return new Null();
    case 'ARRAY':
    case 'MAP':
    case 'STRUCT': {
      if (!options.complexTypesAsArrow) return new Utf8();
      const children = node.children ?? [];
      if (node.base === 'ARRAY') {
        return new List(
          new Field('element', arrowTypeOf(children[0] ?? { base: 'STRING' }, options), true),
        );
      }
      if (node.base === 'MAP') {
        const entries = new Struct([
          new Field('key', arrowTypeOf(children[0] ?? { base: 'STRING' }, options), false),
          new Field('value', arrowTypeOf(children[1] ?? { base: 'STRING' }, options), true),
        ]);
        return new Map_(new Field('entries', entries, false), false);
      }
      return new Struct(
        children.map(
          (child, index) =>
            new Field(node.names?.[index] ?? `col${index + 1}`, arrowTypeOf(child, options), true),
        ),
      );
    }
    default:
      return new Utf8();
  }
}
