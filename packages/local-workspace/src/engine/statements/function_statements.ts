/**
 * Unity Catalog function statements: `CREATE [OR REPLACE] FUNCTION` (SQL and `LANGUAGE PYTHON`),
 * `DROP FUNCTION [IF EXISTS]`, `DESCRIBE FUNCTION [EXTENDED]` (column `function_desc`, one line a
 * row, as Databricks prints SQL user-defined functions) and
 * `SHOW [USER|SYSTEM|ALL] FUNCTIONS [IN schema] [[LIKE] pattern]` (column `function`).
 */
import { simpleColumn } from '../databricks_types.js';
import type { Token } from '../dialect/lexer.js';
import { typeSql } from '../dialect/spark_types.js';
import { MaterializedResult } from '../duckdb/result.js';
import { parseError, unsupportedFeature } from '../errors.js';
import { parseCreateFunction } from '../functions/create_function.js';
import { routineNotFound } from '../functions/function_catalog.js';
import type { FunctionDefinition } from '../functions/function_definition.js';
import type { SessionContext } from '../session_context.js';
import type { EngineResult, EngineValue } from '../sql_engine.js';
import { type StatementCursor, schemaRef, showPattern } from './statement_parsing.js';

const empty = () => new MaterializedResult([], []);

/** `CREATE ... FUNCTION ...`, or undefined when the statement creates something else. */
export async function runCreateFunction(
  s: SessionContext,
  sql: string,
  tokens: Token[],
): Promise<EngineResult | undefined> {
  const namespace = { catalog: s.currentCatalog, schema: s.currentSchema };
  const statement = parseCreateFunction(tokens, sql, namespace);
  if (!statement) return undefined;
  await s.functions.create(statement.spec, {
    replace: statement.replace,
    ifNotExists: statement.ifNotExists,
    namespace,
  });
  return empty();
}

/** `DROP [TEMPORARY] FUNCTION [IF EXISTS] name`; the cursor is past DROP. */
export async function runDropFunction(
  s: SessionContext,
  c: StatementCursor,
): Promise<EngineResult | undefined> {
  const temporary = c.isKw('TEMPORARY', 'TEMP');
  if (!(temporary ? c.peek(1)?.value.toUpperCase() === 'FUNCTION' : c.isKw('FUNCTION')))
    return undefined;
  if (temporary) throw unsupportedFeature('DROP TEMPORARY FUNCTION');
  c.i++;
  let ifExists = false;
  if (c.isKw('IF') && c.peek(1)?.value.toUpperCase() === 'EXISTS') {
    c.i += 2;
    ifExists = true;
  }
  const parts = c.name();
  if (!parts) throw parseError(c.peek()?.text ?? 'end of input');
  c.expectEnd();
  const definition = s.functions.resolve(parts, s.currentCatalog, s.currentSchema);
  const fullName = definition?.fullName ?? qualified(s, parts);
  await s.functions.drop(fullName, { ifExists });
  return empty();
}

function qualified(s: SessionContext, parts: string[]): string {
  const lower = parts.map((part) => part.toLowerCase());
  if (lower.length === 3) return lower.join('.');
  if (lower.length === 2) return `${s.currentCatalog}.${lower.join('.')}`;
  return `${s.currentCatalog}.${s.currentSchema}.${lower[0]}`;
}

/** `Label:` padded so the values line up, as Spark prints them. */
function lines(entries: Array<[string, string]>): EngineValue[][] {
  const width = Math.max(...entries.map(([label]) => label.length)) + 2;
  return entries.map(([label, value]) => [
    `${label === '' ? '' : `${label}:`}${' '.repeat(width - label.length - (label === '' ? 0 : 1))}${value}`.trimEnd(),
  ]);
}

function quoteSql(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function describeUserFunction(definition: FunctionDefinition, extended: boolean): EngineValue[][] {
  const entries: Array<[string, string]> = [
    ['Function', definition.fullName],
    ['Type', definition.returns.kind === 'table' ? 'TABLE' : 'SCALAR'],
  ];
  const width = Math.max(0, ...definition.parameters.map((p) => p.name.length));
  const inputs = definition.parameters.map((p) => {
    let line = `${p.name.padEnd(width)} ${typeSql(p.type)}`;
    if (extended && p.defaultSql !== undefined) line += ` DEFAULT ${p.defaultSql}`;
    if (extended && p.comment) line += ` ${quoteSql(p.comment)}`;
    return line;
  });
  inputs.forEach((input, index) => {
    entries.push([index === 0 ? 'Input' : '', input]);
  });
  if (inputs.length === 0) entries.push(['Input', '()']);
  if (definition.returns.kind === 'scalar')
    entries.push(['Returns', typeSql(definition.returns.type)]);
  else {
    const columns = definition.returns.columns;
    const columnWidth = Math.max(0, ...columns.map((column) => column.name.length));
    columns.forEach((column, index) => {
      let line = `${column.name.padEnd(columnWidth)} ${typeSql(column.type)}`;
      if (extended && column.comment) line += ` ${quoteSql(column.comment)}`;
      entries.push([index === 0 ? 'Returns' : '', line]);
    });
  }
  if (extended) {
    if (definition.comment) entries.push(['Comment', definition.comment]);
    entries.push(
      ['Deterministic', String(definition.deterministic)],
      ['Data Access', definition.dataAccess.replace(/_/g, ' ')],
      ['Configs', ''],
      ['Owner', definition.owner],
      ['Create Time', new Date(definition.createdAt).toUTCString()],
    );
    if (definition.language === 'PYTHON') entries.push(['Language', 'PYTHON']);
    entries.push(['Body', definition.body]);
    if (definition.language === 'SQL') entries.push(['SQL Path', definition.sqlPath]);
  }
  return lines(entries);
}

/** `DESCRIBE FUNCTION [EXTENDED] name`; the cursor is at FUNCTION. */
export async function runDescribeFunction(
  s: SessionContext,
  c: StatementCursor,
): Promise<EngineResult> {
  c.i++;
  const extended = c.kw('EXTENDED');
  const parts = c.name();
  if (!parts) throw parseError(c.peek()?.text ?? 'end of input');
  c.expectEnd();
  const column = [simpleColumn('function_desc', 'STRING')];
  const definition = s.functions.resolve(parts, s.currentCatalog, s.currentSchema);
  if (definition) return new MaterializedResult(column, describeUserFunction(definition, extended));
  const name = parts[parts.length - 1] as string;
  const builtinName =
    parts.length === 1 ||
    (parts.length === 2 && parts[0]?.toLowerCase() === 'builtin') ||
    (parts.length === 3 &&
      parts[0]?.toLowerCase() === 'system' &&
      parts[1]?.toLowerCase() === 'builtin');
  if (builtinName && s.functions.isBuiltin(name)) {
    const rows = await s.query(
      `SELECT description, function_type FROM duckdb_functions() WHERE lower(function_name) = '${name.toLowerCase().replace(/'/g, "''")}' LIMIT 1`,
    );
    const usage = String(rows[0]?.[0] ?? '') || `${name.toLowerCase()}(...)`;
    return new MaterializedResult(
      column,
      lines([
        ['Function', name.toLowerCase()],
        ['Class', `local-workspace ${String(rows[0]?.[1] ?? 'scalar')} function`],
        ['Usage', usage],
      ]),
    );
  }
  throw routineNotFound(qualified(s, parts));
}

/** `SHOW [USER|SYSTEM|ALL] FUNCTIONS ...`; the cursor is past SHOW. */
export async function runShowFunctions(
  s: SessionContext,
  c: StatementCursor,
): Promise<EngineResult | undefined> {
  let scope = 'ALL';
  if (c.isKw('USER', 'SYSTEM', 'ALL') && c.peek(1)?.value.toUpperCase() === 'FUNCTIONS') {
    scope = (c.peek() as Token).value.toUpperCase();
    c.i++;
  }
  if (!c.kw('FUNCTIONS')) return undefined;
  let catalog = s.currentCatalog;
  let schema = s.currentSchema;
  if (c.kw('IN', 'FROM')) {
    const parts = c.name();
    if (!parts) throw parseError(c.peek()?.text ?? 'end of input');
    ({ catalog, schema } = schemaRef(s, parts));
    if (!(catalog === 'system' && schema === 'ai')) await s.checkNamespace(catalog, schema);
  }
  let pattern = c.likePattern();
  if (!pattern && (c.peek()?.kind === 'ident' || c.peek()?.kind === 'qident')) {
    // SHOW FUNCTIONS name: a name (possibly qualified) is a pattern of itself.
    const parts = c.name() as string[];
    pattern = showPattern(parts[parts.length - 1] as string);
  }
  c.expectEnd();
  const names: string[] = [];
  if (scope !== 'SYSTEM')
    for (const definition of s.functions.list(catalog, schema))
      if (!pattern || pattern.test(definition.name)) names.push(definition.fullName);
  if (scope !== 'USER')
    for (const name of s.functions.systemFunctionNames())
      if (!pattern || pattern.test(name)) names.push(name);
  return new MaterializedResult(
    [simpleColumn('function', 'STRING')],
    names.map((name) => [name]),
  );
}
