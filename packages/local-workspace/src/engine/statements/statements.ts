/**
 * Emulation of Databricks statements DuckDB lacks or shapes differently: USE, SHOW, DESCRIBE,
 * EXPLAIN, SET/RESET, CREATE/DROP CATALOG, CREATE/DROP SCHEMA and the function statements
 * (CREATE/DROP/DESCRIBE FUNCTION, SHOW FUNCTIONS). Each family has its file
 * (`namespace_statements.ts`, `show_statements.ts`, `describe_statements.ts`,
 * `function_statements.ts`); this one routes a statement to it, and answers EXPLAIN and SET
 * itself.
 */
import { simpleColumn } from '../databricks_types.js';
import type { Token } from '../dialect/lexer.js';
import { translate } from '../dialect/translate.js';
import { MaterializedResult } from '../duckdb/result.js';
import { classifyError } from '../errors.js';
import type { SessionContext } from '../session_context.js';
import type { EngineResult, StatementParameters } from '../sql_engine.js';
import { runDescribe } from './describe_statements.js';
import {
  runCreateFunction,
  runDescribeFunction,
  runDropFunction,
  runShowFunctions,
} from './function_statements.js';
import { runCreateOrDropNamespace, runUse } from './namespace_statements.js';
import { runShow } from './show_statements.js';
import { StatementCursor } from './statement_parsing.js';

const S = (name: string) => simpleColumn(name, 'STRING');

const empty = () => new MaterializedResult([], []);

async function explain(
  s: SessionContext,
  sql: string,
  c: StatementCursor,
  params: StatementParameters,
): Promise<EngineResult> {
  c.kw('EXTENDED', 'FORMATTED', 'CODEGEN', 'COST', 'LOGICAL');
  const start = c.peek()?.pos ?? sql.length;
  const inner = sql.slice(start);
  const tr = translate(inner, s.translateContext(params));
  let plan: string;
  try {
    const rows = await s.query(`EXPLAIN ${tr.sql}`);
    plan = rows.map((r) => String(r[1] ?? '')).join('\n');
  } catch (e) {
    throw classifyError(e, s.errorContext);
  }
  return new MaterializedResult([S('plan')], [[`== Physical Plan ==\n${plan}`]]);
}

/**
 * Run `sql` if it is one of the emulated statements; undefined means "not emulated, translate and
 * run it on DuckDB".
 */
export async function runEmulatedStatement(
  s: SessionContext,
  sql: string,
  toks: Token[],
  params: StatementParameters,
  _signal: AbortSignal,
): Promise<EngineResult | undefined> {
  const c = new StatementCursor(toks);
  const first = c.peek();
  if (first?.kind !== 'ident') return undefined;
  const kw = first.value.toUpperCase();
  switch (kw) {
    case 'USE':
      c.i++;
      return runUse(s, c);
    case 'SHOW':
      c.i++;
      return (await runShow(s, c)) ?? runShowFunctions(s, c);
    case 'DESCRIBE':
    case 'DESC':
      c.i++;
      if (c.isKw('FUNCTION') && c.peek(1) && c.peek(1)?.text !== '.')
        return runDescribeFunction(s, c);
      return runDescribe(s, sql, c, params);
    case 'EXPLAIN': {
      c.i++;
      return explain(s, sql, c, params);
    }
    case 'SET': {
      c.i++;
      // SET CATALOG c / SET SCHEMA s (Databricks) behave like USE
      const nx = c.peek(1);
      if (c.isKw('CATALOG', 'SCHEMA', 'DATABASE') && nx && nx.text !== '=' && nx.text !== '.') {
        return runEmulatedStatement(
          s,
          sql,
          [{ ...first, text: 'USE', value: 'USE' }, ...toks.slice(1)],
          params,
          _signal,
        );
      }
      if (c.done()) {
        return new MaterializedResult(
          [S('key'), S('value')],
          Object.entries(s.configuration).map(([k, v]) => [k, v]),
        );
      }
      if (c.isKw('TIME') && c.peek(1)?.value.toUpperCase() === 'ZONE') return empty();
      // SET key = value (key may contain dots); everything after '=' is the value
      const eq = toks.findIndex((t) => t.text === '=');
      const keyToks = toks.slice(1, eq < 0 ? toks.length : eq);
      const key = keyToks.map((t) => t.value).join('');
      if (eq < 0) {
        return new MaterializedResult(
          [S('key'), S('value')],
          [[key, s.configuration[key] ?? '<undefined>']],
        );
      }
      const valTok = toks[eq + 1];
      const value = valTok
        ? sql
            .slice(valTok.pos)
            .replace(/;\s*$/, '')
            .trim()
            .replace(/^'(.*)'$/, '$1')
        : '';
      s.configuration[key] = value;
      return new MaterializedResult([S('key'), S('value')], [[key, value]]);
    }
    case 'RESET':
      return empty();
    case 'CREATE': {
      const created = await runCreateFunction(s, sql, toks);
      if (created) return created;
      c.i++;
      return runCreateOrDropNamespace(s, c, kw);
    }
    case 'DROP':
      c.i++;
      return (await runDropFunction(s, c)) ?? runCreateOrDropNamespace(s, c, kw);
    default:
      return undefined;
  }
}
