/**
 * Spark type syntax → DuckDB type syntax, over lexer tokens: `STRING` → `VARCHAR`,
 * `ARRAY<INT>` → `INTEGER[]`, `MAP<K, V>` → `MAP(K, V)`, `STRUCT<a: INT>` → `STRUCT("a" INTEGER)`,
 * `DECIMAL` → `DECIMAL(10,0)`. Used in CAST, DDL and for typed parameters.
 */
import type { Token } from './lexer.js';
import { identQuote } from './sql_quoting.js';

/** Spark type names → DuckDB. */
const SIMPLE_TYPES: Record<string, string> = {
  STRING: 'VARCHAR',
  LONG: 'BIGINT',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  SHORT: 'SMALLINT',
  BYTE: 'TINYINT',
  BINARY: 'BLOB',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMP',
  REAL: 'FLOAT',
  VOID: '"NULL"',
};

/**
 * The Spark type that starts `tokens` (significant tokens only) as DuckDB SQL, and the index of
 * the token after it. Throws when the tokens do not start with a type.
 */
export function parseSparkType(tokens: Token[]): { sql: string; end: number } {
  const parser = new SparkTypeParser(tokens, 0);
  const sql = parser.parse().text;
  return { sql, end: parser.pos };
}

class SparkTypeParser {
  constructor(
    private readonly toks: Token[],
    public pos: number,
  ) {}
  private peek(): Token | undefined {
    return this.toks[this.pos];
  }
  private next(): Token {
    const t = this.toks[this.pos++];
    if (!t) throw new Error('eof');
    return t;
  }
  private expect(v: string) {
    const t = this.next();
    if (t.value !== v) throw new Error(`expected ${v}`);
  }
  /** One type from the current position; advances `pos` past it. Throws when malformed. */
  parse(): { text: string } {
    const t = this.next();
    const name = t.value.toUpperCase();
    if ((name === 'ARRAY' || name === 'MAP' || name === 'STRUCT') && this.peek()?.value === '<') {
      this.next();
      if (name === 'ARRAY') {
        const inner = this.parse();
        this.expect('>');
        return { text: `${inner.text}[]` };
      }
      if (name === 'MAP') {
        const k = this.parse();
        this.expect(',');
        const v = this.parse();
        this.expect('>');
        return { text: `MAP(${k.text}, ${v.text})` };
      }
      const fields: string[] = [];
      while (this.peek() && this.peek()?.value !== '>') {
        const fname = this.next();
        if (this.peek()?.value === ':') this.next();
        const ft = this.parse();
        // optional NOT NULL / COMMENT
        while (this.peek() && this.peek()?.value !== ',' && this.peek()?.value !== '>') this.next();
        fields.push(`${identQuote(fname.value)} ${ft.text}`);
        if (this.peek()?.value === ',') this.next();
      }
      this.expect('>');
      return { text: `STRUCT(${fields.join(', ')})` };
    }
    if (
      (name === 'DECIMAL' || name === 'DEC' || name === 'NUMERIC') &&
      this.peek()?.value === '('
    ) {
      this.next();
      const p = this.next().value;
      let s = '0';
      if (this.peek()?.value === ',') {
        this.next();
        s = this.next().value;
      }
      this.expect(')');
      return { text: `DECIMAL(${p},${s})` };
    }
    if ((name === 'VARCHAR' || name === 'CHAR') && this.peek()?.value === '(') {
      this.next();
      this.next();
      this.expect(')');
      return { text: 'VARCHAR' };
    }
    if (name === 'DECIMAL' || name === 'DEC' || name === 'NUMERIC')
      return { text: 'DECIMAL(10,0)' };
    if (name === 'INTERVAL') {
      // INTERVAL DAY TO SECOND etc.
      while (
        this.peek() &&
        /^(YEAR|MONTH|DAY|HOUR|MINUTE|SECOND|TO)$/i.test(this.peek()?.value ?? '')
      )
        this.next();
      return { text: 'INTERVAL' };
    }
    if (name === 'TIMESTAMP' && /^WITH|WITHOUT$/i.test(this.peek()?.value ?? '')) {
      // leave as-is for DuckDB
      return { text: 'TIMESTAMP' };
    }
    if (t.kind === 'qident') return { text: identQuote(t.value) };
    return { text: SIMPLE_TYPES[name] ?? name };
  }
}
