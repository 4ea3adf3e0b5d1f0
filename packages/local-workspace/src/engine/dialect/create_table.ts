/**
 * Spark's CREATE TABLE clauses that DuckDB does not know: `USING DELTA` (or another format),
 * `PARTITIONED BY (...)`, `CLUSTER BY (...)`, `TBLPROPERTIES (...)`, `OPTIONS (...)` and
 * `LOCATION '...'` are dropped; `COMMENT '...'` on the table and on its columns is removed and
 * kept, for the engine to apply with `COMMENT ON` once the table exists.
 *
 * The translator feeds the tracker the tokens of a statement that starts with CREATE, in order;
 * the tracker follows the column list's parentheses to tell column comments from the table's.
 */
import type { Token } from './lexer.js';
import type { TokenScan } from './token_scan.js';

export interface DdlComments {
  /** The created table as DuckDB SQL (already catalog-mapped). */
  table: string;
  tableComment?: string;
  columns: Array<[column: string, comment: string]>;
}

/** Storage formats of `USING <format>`, dropped (every table is a DuckDB table). */
const TABLE_FORMATS = /^(DELTA|PARQUET|CSV|JSON|ORC)$/i;

/** Words between TABLE and the table name. */
const BEFORE_TABLE_NAME = new Set(['IF', 'NOT', 'EXISTS']);

export class CreateTableClauses {
  /** The comments found, once the table name is known. */
  ddl: DdlComments | undefined;
  private active = false;
  private expectTable = false;
  /** Parenthesis depth: 1 inside the column list. */
  private depth = 0;
  private expectColumn = false;
  private column = '';

  /** The statement is a CREATE statement. */
  start(): void {
    this.active = true;
  }

  /** An operator token: follows the column list's parentheses and commas. */
  onOperator(text: string): void {
    if (!this.active) return;
    if (text === '(') {
      this.depth++;
      this.expectColumn = this.depth === 1;
    } else if (text === ')') {
      this.depth--;
      this.expectColumn = false;
    } else if (text === ',' && this.depth === 1) this.expectColumn = true;
  }

  /**
   * A word (token `i`, an `ident` or `qident`). Returns where translation resumes when the
   * tracker consumed the word: `emit` is the text to write for it (none for a dropped clause, whose
   * tokens up to `next` are skipped). Undefined: translate the word as usual.
   */
  onWord(
    token: Token,
    i: number,
    scan: TokenScan,
    hi: number,
  ): { next: number; emit?: string } | undefined {
    if (!this.active) return undefined;
    const upper = token.kind === 'ident' ? token.value.toUpperCase() : '';
    if (upper === 'TABLE' && !this.ddl && this.depth === 0) {
      this.expectTable = true;
      return { next: i + 1, emit: token.text };
    }
    if (this.expectColumn && this.depth === 1) {
      this.expectColumn = false;
      this.column = token.value;
    }
    if (token.kind !== 'ident') return undefined;
    const toks = scan.tokens;
    const nx = scan.nextSignificant(i + 1, hi);
    const nt = nx >= 0 ? toks[nx] : undefined;
    // COMMENT 'text' on a column or on the table: removed, applied after the CREATE
    if (upper === 'COMMENT' && nt?.kind === 'string' && this.ddl) {
      if (this.depth === 1 && this.column) this.ddl.columns.push([this.column, nt.value]);
      else if (this.depth === 0) this.ddl.tableComment = nt.value;
      return { next: nx + 1 };
    }
    // Delta/Spark table clauses DuckDB does not know: dropped
    if (this.depth === 0) {
      let skipTo = -1;
      if (upper === 'LOCATION' && nt?.kind === 'string') skipTo = nx + 1;
      const groupAfter = (k: number) => {
        const open = scan.nextSignificant(k, hi);
        return open >= 0 && toks[open]?.text === '(' ? scan.matchingBracket(open, hi) + 1 : -1;
      };
      if ((upper === 'TBLPROPERTIES' || upper === 'OPTIONS') && nt?.text === '(')
        skipTo = groupAfter(nx);
      if (
        (upper === 'PARTITIONED' || upper === 'CLUSTER') &&
        nt?.kind === 'ident' &&
        nt.value.toUpperCase() === 'BY'
      ) {
        skipTo = groupAfter(nx + 1);
      }
      if (skipTo > 0) return { next: skipTo };
    }
    if (upper === 'USING' && nt && nt.kind === 'ident' && TABLE_FORMATS.test(nt.value)) {
      return { next: nx + 1 };
    }
    return undefined;
  }

  /** A (dotted) name was written as `rendered`: the first one after TABLE is the table. */
  onName(rendered: string, parts: Token[]): void {
    if (!this.expectTable) return;
    const first = parts[0] as Token;
    const keyword =
      parts.length === 1 &&
      first.kind === 'ident' &&
      BEFORE_TABLE_NAME.has(first.value.toUpperCase());
    if (!keyword) {
      this.expectTable = false;
      this.ddl = { table: rendered, columns: [] };
    }
  }
}
