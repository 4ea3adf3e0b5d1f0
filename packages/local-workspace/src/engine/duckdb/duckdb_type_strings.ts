/**
 * A DuckDB type string, as in `duckdb_columns().data_type` (`DECIMAL(18,2)`, `VARCHAR[]`,
 * `MAP(VARCHAR, INTEGER)`, `STRUCT(a INTEGER, "b c" VARCHAR)`), → its Databricks type name. Used
 * where only the text of a type is known: DESCRIBE, GetColumns, information_schema.
 */
import type { DatabricksType } from '../databricks_types.js';

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
