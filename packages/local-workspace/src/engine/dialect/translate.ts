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
import type { FunctionDefinition } from '../functions/function_definition.js';
import { checkedDivision, isValueEnd } from './ansi_division.js';
import { CreateTableClauses, type DdlComments } from './create_table.js';
import { functionRewrite, type RewriteContext } from './functions.js';
import { lateralView } from './lateral_view.js';
import { isSignificant, type Token, tokenize } from './lexer.js';
import { renderNameChain } from './name_chains.js';
import { castMarker, parameterCastType } from './parameters.js';
import {
  boundArguments,
  callArguments,
  isRelationPosition,
  macroName,
  type PythonCall,
  textAs,
} from './routine_calls.js';
import { sqlQuote } from './sql_quoting.js';
import { TokenScan } from './token_scan.js';
import { DEFAULT_MACRO_SCHEMA, type TranslateContext } from './translate_context.js';
import { parseSparkType } from './type_parser.js';

export type { DdlComments } from './create_table.js';
export type { PythonCall } from './routine_calls.js';
export type { Catalogs, TranslateContext } from './translate_context.js';

export interface Translation {
  sql: string;
  /** `COMMENT '...'` clauses removed from a CREATE TABLE, to apply with COMMENT ON afterwards. */
  ddlComments?: DdlComments;
  /** Named parameter markers found (`:name`), in order of first appearance. */
  namedParams: string[];
  /** Number of positional `?` markers. */
  positionalCount: number;
  /**
   * Calls of Python functions, in the order they must be evaluated (arguments first); each
   * result is the named parameter `marker` (also in `namedParams`).
   */
  pythonCalls: PythonCall[];
}

/** What a statement's translators share (calls found in nested argument ranges too). */
interface Shared {
  pythonCalls: PythonCall[];
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
    private readonly shared: Shared = { pythonCalls: [] },
  ) {
    this.scan = new TokenScan(toks);
  }

  get pythonCalls(): PythonCall[] {
    return this.shared.pythonCalls;
  }

  get currentCatalog(): string {
    return this.ctx.currentCatalog;
  }

  parameterValue(name: string): unknown {
    const values = this.ctx.namedValues;
    return values && Object.hasOwn(values, name) ? values[name] : undefined;
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
    const expr = new Translator(all.slice(0, asAt), this.ctx, this.shared);
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
    const t = new Translator(this.toks.slice(lo, hi), this.ctx, this.shared);
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
            followedByParen &&
            this.ctx.functions &&
            !(prevSig && NOT_CALL_PREV.has(prevSig.value.toUpperCase())) &&
            !(parts.length === 1 && functionRewrite(t.value))
          ) {
            const definition = this.ctx.functions.resolve(
              parts.map((part) => part.value),
              this.ctx.currentCatalog,
              this.ctx.currentSchema,
            );
            if (definition) {
              const close = this.scan.matchingBracket(after, hi);
              out.push(this.routineCall(definition, after, close));
              prevSig = toks[close];
              i = close + 1;
              continue;
            }
          }
          if (!followedByParen && this.ctx.routineBody) {
            const name = this.bodyName(parts, prevSig, i, j, hi);
            if (name !== undefined) {
              out.push(name);
              prevSig = parts[parts.length - 1];
              i = j;
              continue;
            }
          }
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

  /** A call of a Unity Catalog function (see routine_calls.ts); `open`/`close` are its parens. */
  private routineCall(definition: FunctionDefinition, open: number, close: number): string {
    const positionalStart = this.positionalCount;
    const call = callArguments(
      this.toks,
      this.scan.topLevelArguments(open, close),
      (from, end) => this.nextSignificant(from, end),
      (from, to) => this.sub(from, to),
      definition.fullName,
    );
    const args = boundArguments(definition, call, (sql) => {
      const sub = new Translator(tokenize(sql), this.ctx, this.shared);
      const text = sub.run();
      this.absorb(sub);
      return text;
    });
    if (definition.language === 'SQL') {
      const internal = this.ctx.catalogs.internalName(definition.catalog) ?? definition.catalog;
      return `${macroName(definition, internal)}(${args.join(', ')})`;
    }
    if (definition.returns.kind !== 'scalar') throw unsupportedFeature('A Python table function');
    if (this.ctx.routineBody)
      throw unsupportedFeature(
        `Calling the Python function ${definition.fullName} from the body of a SQL function`,
      );
    const marker = `lc_py_${this.pythonCalls.length}`;
    this.pythonCalls.push({
      marker,
      definition,
      arguments: args,
      positional: [positionalStart, this.positionalCount],
    });
    this.namedParams.push(marker);
    return textAs(`$${marker}`, definition.returns.type);
  }

  /**
   * Inside a function body: a parameter reference (`x`, `fn.x`) as the macro's parameter, or a
   * table name in a FROM list qualified with the function's namespace; undefined otherwise.
   */
  private bodyName(
    parts: Token[],
    prevSig: Token | undefined,
    start: number,
    end: number,
    hi: number,
  ): string | undefined {
    const body = this.ctx.routineBody as NonNullable<TranslateContext['routineBody']>;
    const lower = parts.map((part) => part.value.toLowerCase());
    if (isRelationPosition(this.toks, start)) {
      if (parts.length > 2 || (parts.length === 1 && body.commonTables.has(lower[0] as string)))
        return undefined;
      const names = parts.length === 1 ? [body.catalog, body.schema] : [body.catalog];
      const qualified = [...names, ...parts.map((part) => part.value)].map(
        (value): Token => ({ kind: 'qident', text: value, value, pos: 0 }),
      );
      return renderNameChain(qualified, false, this.ctx);
    }
    const afterName = this.nextSignificant(end, hi);
    if (this.toks[afterName]?.text === '=>' || prevSig?.value.toUpperCase() === 'AS')
      return undefined;
    if (parts.length === 1) return body.parameters.get(lower[0] as string);
    if (parts.length === 2 && lower[0] === body.functionName.toLowerCase())
      return body.parameters.get(lower[1] as string);
    // A field of a STRUCT parameter: `point.x`, `fn.point.x`, `point.inner.y`.
    const skip = parts.length >= 3 && lower[0] === body.functionName.toLowerCase() ? 1 : 0;
    const head = lower[skip] as string;
    if (parts.length - skip >= 2 && body.structParameters?.has(head))
      return `(${body.parameters.get(head)})${parts
        .slice(skip + 1)
        .map((part) => `."${part.value.replace(/"/g, '""')}"`)
        .join('')}`;
    return undefined;
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
    pythonCalls: tr.pythonCalls,
    ...(ddlComments ? { ddlComments } : {}),
  };
}
