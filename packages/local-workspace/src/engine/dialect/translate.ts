/**
 * Spark / Databricks SQL → DuckDB SQL translation.
 *
 * The lexer's tokens go through a single-pass rewriter. Function calls that need their arguments
 * rearranged are parsed to their matching parenthesis and their arguments translated recursively
 * (each range by its own `Translator`, sharing the parameter markers found). The rewrites live
 * beside this file, one concern each: the function table (`functions.ts`), dotted names
 * (`name_chains.ts`), ANSI division (`ansi_division.ts`), CREATE TABLE clauses
 * (`create_table.ts`), LATERAL VIEW (`lateral_view.ts`), Spark types (`type_parser.ts`) and
 * parameter markers (`parameters.ts`). See DIALECT.md for the list of translations.
 */

import { unsupportedFeature } from '../errors.js';
import { checkedDivision, isValueEnd } from './ansi_division.js';
import { CreateTableClauses, type DdlComments } from './create_table.js';
import { functionRewrite, type RewriteContext } from './functions.js';
import { lateralView } from './lateral_view.js';
import { isSignificant, type Token, tokenize } from './lexer.js';
import { renderNameChain } from './name_chains.js';
import { castMarker, parameterCastType } from './parameters.js';
import { sqlQuote } from './sql_quoting.js';
import { TokenScan } from './token_scan.js';
import { DEFAULT_MACRO_SCHEMA, type TranslateContext } from './translate_context.js';
import { parseSparkType } from './type_parser.js';

export type { DdlComments } from './create_table.js';
export type { Catalogs, TranslateContext } from './translate_context.js';

export interface Translation {
  sql: string;
  /** `COMMENT '...'` clauses removed from a CREATE TABLE, to apply with COMMENT ON afterwards. */
  ddlComments?: DdlComments;
  /** Named parameter markers found (`:name`), in order of first appearance. */
  namedParams: string[];
  /** Number of positional `?` markers. */
  positionalCount: number;
}

/** Keywords after which an identifier followed by `(` is not a function call. */
const NOT_CALL_PREV = new Set(['TABLE', 'INTO', 'VIEW', 'EXISTS']);

/** Typed numeric literals (`10L`, `1.5D`, ...) → DuckDB casts; `BD` literals stay as written. */
const LITERAL_SUFFIX_TYPES: Record<string, string> = {
  BD: 'DECIMAL(38,18)',
  L: 'BIGINT',
  S: 'SMALLINT',
  Y: 'TINYINT',
  D: 'DOUBLE',
  F: 'FLOAT',
};

class Translator implements RewriteContext {
  namedParams: string[] = [];
  positionalCount = 0;
  readonly create = new CreateTableClauses();
  private readonly scan: TokenScan;

  constructor(
    readonly toks: Token[],
    readonly ctx: TranslateContext,
  ) {
    this.scan = new TokenScan(toks);
  }

  get currentCatalog(): string {
    return this.ctx.currentCatalog;
  }

  private nextSignificant(from: number, hi: number): number {
    return this.scan.nextSignificant(from, hi);
  }

  castLike(fn: string, raw: Token[][]): string | undefined {
    const all = raw[0] ?? [];
    // find top-level AS
    let depth = 0;
    let asAt = -1;
    for (let i = all.length - 1; i >= 0; i--) {
      const t = all[i] as Token;
      if (t.kind === 'op' && (t.text === ')' || t.text === ']')) depth++;
      else if (t.kind === 'op' && (t.text === '(' || t.text === '[')) depth--;
      else if (depth === 0 && t.kind === 'ident' && t.value.toUpperCase() === 'AS') {
        asAt = i;
        break;
      }
    }
    if (asAt < 0 || raw.length !== 1) return undefined;
    const expr = new Translator(all.slice(0, asAt), this.ctx);
    const exprSql = expr.run();
    this.absorb(expr);
    const typeToks = all.slice(asAt + 1).filter(isSignificant);
    let typeSql: string;
    try {
      typeSql = parseSparkType(typeToks).sql;
    } catch {
      return undefined;
    }
    return `${fn}(${exprSql.trim()} AS ${typeSql})`;
  }

  private absorb(sub: Translator) {
    for (const n of sub.namedParams) if (!this.namedParams.includes(n)) this.namedParams.push(n);
    this.positionalCount += sub.positionalCount;
  }

  /** Translate tokens [lo, hi) on their own, keeping the parameter markers in order. */
  private sub(lo: number, hi: number): string {
    const t = new Translator(this.toks.slice(lo, hi), this.ctx);
    // positional markers must keep global order: share counter
    t.positionalCount = this.positionalCount;
    const out = t.run();
    for (const n of t.namedParams) if (!this.namedParams.includes(n)) this.namedParams.push(n);
    this.positionalCount = t.positionalCount;
    return out;
  }

  /** `/` or `DIV` at `operatorIndex`, with its divisor checked for zero (see ansi_division.ts). */
  private division(operator: string, operatorIndex: number, hi: number) {
    return checkedDivision(
      this.scan,
      operator,
      operatorIndex + 1,
      hi,
      this.ctx.infoSchemaPrefix ?? DEFAULT_MACRO_SCHEMA,
      (from, to) => this.sub(from, to),
    );
  }

  run(): string {
    const toks = this.toks;
    const out: string[] = [];
    let i = 0;
    const hi = toks.length;
    let prevSig: Token | undefined;
    while (i < hi) {
      const t = toks[i] as Token;
      switch (t.kind) {
        case 'ws':
        case 'comment':
          out.push(t.text);
          i++;
          continue;
        case 'string':
          out.push(sqlQuote(t.value));
          break;
        case 'number': {
          const m = /^(.*?)(BD|[LSYDF])$/i.exec(t.text);
          if (m) {
            const suffix = (m[2] as string).toUpperCase();
            out.push(
              suffix === 'BD' ? `${m[1]}` : `CAST(${m[1]} AS ${LITERAL_SUFFIX_TYPES[suffix]})`,
            );
          } else out.push(t.text);
          break;
        }
        case 'named_param': {
          const name = t.value;
          if (!this.namedParams.includes(name)) this.namedParams.push(name);
          out.push(castMarker(`$${name}`, parameterCastType(this.ctx.namedTypes?.[name])));
          break;
        }
        case 'positional_param': {
          const idx = this.positionalCount++;
          out.push(castMarker('?', parameterCastType(this.ctx.positionalTypes?.[idx])));
          break;
        }
        case 'op': {
          this.create.onOperator(t.text);
          // SELECT * EXCEPT (cols) → * EXCLUDE (cols)
          if (t.text === '*') {
            const nx = this.nextSignificant(i + 1, hi);
            const nt = nx >= 0 ? toks[nx] : undefined;
            if (nt?.kind === 'ident' && nt.value.toUpperCase() === 'EXCEPT') {
              const px = this.nextSignificant(nx + 1, hi);
              if (px >= 0 && toks[px]?.text === '(') {
                out.push('* EXCLUDE');
                prevSig = nt;
                i = nx + 1;
                continue;
              }
            }
          }
          if (t.text === '/' && prevSig && isValueEnd(prevSig)) {
            const division = this.division('/', i, hi);
            if (division) {
              out.push(division.sql);
              prevSig = toks[division.end - 1];
              i = division.end;
              continue;
            }
          }
          if (t.text === '==') out.push('=');
          else if (t.text === '<=>') out.push('IS NOT DISTINCT FROM');
          else out.push(t.text);
          break;
        }
        case 'ident':
        case 'qident': {
          const upper = t.kind === 'ident' ? t.value.toUpperCase() : '';
          if (upper === 'CREATE' && prevSig === undefined) this.create.start();
          const clause = this.create.onWord(t, i, this.scan, hi);
          if (clause) {
            if (clause.emit !== undefined) {
              out.push(clause.emit);
              prevSig = t;
            }
            i = clause.next;
            continue;
          }
          // a RLIKE 'p' / a REGEXP 'p' / a NOT RLIKE 'p' (Spark: partial match)
          if (t.kind === 'ident' && (upper === 'RLIKE' || upper === 'REGEXP' || upper === 'NOT')) {
            let k = i;
            let negate = false;
            if (upper === 'NOT') {
              const nx = this.nextSignificant(i + 1, hi);
              const nt = nx >= 0 ? toks[nx] : undefined;
              if (nt?.kind === 'ident' && /^(RLIKE|REGEXP)$/i.test(nt.value)) {
                negate = true;
                k = nx;
              }
            }
            const kt = toks[k] as Token;
            if (kt.kind === 'ident' && /^(RLIKE|REGEXP)$/i.test(kt.value)) {
              const px = this.nextSignificant(k + 1, hi);
              const pt = px >= 0 ? toks[px] : undefined;
              if (pt?.kind !== 'string')
                throw unsupportedFeature(`${kt.value.toUpperCase()} with a non-literal pattern`);
              out.push(`${negate ? '!~' : '~'} ${sqlQuote(`(?s).*(?:${pt.value}).*`)}`);
              prevSig = pt;
              i = px + 1;
              continue;
            }
          }
          if (t.kind === 'ident' && upper === 'LATERAL') {
            const join = lateralView(this.scan, i, hi, (from, to) => this.sub(from, to));
            if (join) {
              out.push(join.sql);
              i = join.end;
              prevSig = toks[join.end - 1];
              continue;
            }
          }
          // ARRAY<...> / MAP<...> / STRUCT<...> type syntax
          if (upper === 'ARRAY' || upper === 'MAP' || upper === 'STRUCT') {
            const nx = this.nextSignificant(i + 1, hi);
            if (nx >= 0 && toks[nx]?.text === '<') {
              const sig: Token[] = [];
              const idxs: number[] = [];
              for (let j = i; j < hi; j++) {
                if (!isSignificant(toks[j] as Token)) continue;
                sig.push(toks[j] as Token);
                idxs.push(j);
              }
              try {
                const type = parseSparkType(sig);
                out.push(type.sql);
                prevSig = sig[type.end - 1];
                i = (idxs[type.end - 1] as number) + 1;
                continue;
              } catch {
                /* not a type: translate the word as usual */
              }
            }
          }
          if (
            t.kind === 'ident' &&
            upper === 'DIV' &&
            prevSig &&
            (prevSig.kind === 'number' ||
              prevSig.kind === 'ident' ||
              prevSig.kind === 'qident' ||
              prevSig.text === ')')
          ) {
            const division = this.division('//', i, hi);
            if (division) {
              out.push(division.sql);
              prevSig = toks[division.end - 1];
              i = division.end;
              continue;
            }
            out.push('//');
            break;
          }
          if (t.kind === 'ident' && (upper === 'CURRENT_TIMESTAMP' || upper === 'LOCALTIMESTAMP')) {
            const nx = this.nextSignificant(i + 1, hi);
            if (nx < 0 || toks[nx]?.text !== '(') {
              if (!(prevSig && prevSig.text === '.')) {
                out.push('CAST(current_timestamp AS TIMESTAMP)');
                break;
              }
            }
          }
          // collect a dotted chain
          const parts: Token[] = [t];
          let j = i + 1;
          for (;;) {
            const dot = this.nextSignificant(j, hi);
            if (dot < 0 || toks[dot]?.text !== '.') break;
            const nxt = this.nextSignificant(dot + 1, hi);
            const nt = nxt >= 0 ? toks[nxt] : undefined;
            if (!nt || (nt.kind !== 'ident' && nt.kind !== 'qident')) break;
            parts.push(nt);
            j = nxt + 1;
          }
          const after = this.nextSignificant(j, hi);
          const followedByParen = after >= 0 && toks[after]?.text === '(';
          if (
            parts.length === 1 &&
            t.kind === 'ident' &&
            followedByParen &&
            !(prevSig && NOT_CALL_PREV.has(prevSig.value.toUpperCase()))
          ) {
            const call = this.call(t, upper, prevSig, after, hi);
            if (call) {
              out.push(call.sql);
              prevSig = toks[call.close];
              i = call.close + 1;
              continue;
            }
          }
          const rendered = renderNameChain(parts, followedByParen, this.ctx);
          this.create.onName(rendered, parts);
          out.push(rendered);
          prevSig = parts[parts.length - 1];
          i = j;
          continue;
        }
      }
      prevSig = t;
      i++;
    }
    return out.join('');
  }

  /**
   * A call of `name` whose `(` is token `open`, when it is rewritten: Spark's `range()` table,
   * or a function of the function table. Undefined leaves the call as written.
   */
  private call(
    name: Token,
    upper: string,
    prevSig: Token | undefined,
    open: number,
    hi: number,
  ): { sql: string; close: number } | undefined {
    const toks = this.toks;
    // Spark's range(n) / range(start, end[, step[, partitions]]) table: column `id` BIGINT
    if (
      upper === 'RANGE' &&
      prevSig &&
      (prevSig.text === ',' || /^(FROM|JOIN)$/i.test(prevSig.value))
    ) {
      const close = this.scan.matchingBracket(open, hi);
      const args = this.scan
        .topLevelArguments(open, close)
        .map(([a, b]) => this.sub(a, b).trim())
        .slice(0, 3);
      if (args.length >= 1 && args[0] !== '') {
        const cast = args.map((a) => `CAST(${a} AS BIGINT)`);
        return { sql: `(SELECT range AS id FROM range(${cast.join(', ')}))`, close };
      }
    }
    const rewrite = functionRewrite(name.value);
    if (!rewrite) return undefined;
    const close = this.scan.matchingBracket(open, hi);
    const ranges = this.scan.topLevelArguments(open, close);
    const raw = ranges.map(([a, b]) => toks.slice(a, b));
    const posBefore = this.positionalCount;
    const named = [...this.namedParams];
    const args = ranges.map(([a, b]) => this.sub(a, b).trim());
    const rewritten = rewrite(args, raw, this);
    if (rewritten !== undefined) return { sql: rewritten, close };
    // not rewritten: restore and emit normally
    this.positionalCount = posBefore;
    this.namedParams = named;
    return undefined;
  }
}

/** Translate one Spark SQL statement to DuckDB SQL. */
export function translate(sql: string, ctx: TranslateContext): Translation {
  const toks = tokenize(sql);
  // drop trailing semicolons
  let end = toks.length;
  while (end > 0) {
    const t = toks[end - 1] as Token;
    if (t.kind === 'ws' || t.kind === 'comment' || (t.kind === 'op' && t.text === ';')) end--;
    else break;
  }
  const tr = new Translator(toks.slice(0, end), ctx);
  const out = tr.run();
  const ddl = tr.create.ddl;
  const ddlComments =
    ddl && (ddl.tableComment !== undefined || ddl.columns.length > 0) ? ddl : undefined;
  return {
    sql: out,
    namedParams: tr.namedParams,
    positionalCount: tr.positionalCount,
    ...(ddlComments ? { ddlComments } : {}),
  };
}
