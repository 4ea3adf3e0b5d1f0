/**
 * `USE [CATALOG|SCHEMA|DATABASE] ...` and `CREATE|DROP CATALOG|SCHEMA|DATABASE`: the session's
 * namespace and the catalogs and schemas of the engine, with Unity Catalog names mapped.
 */

import { identQuote } from '../dialect/sql_quoting.js';
import { MaterializedResult } from '../duckdb/result.js';
import { catalogNotFound, classifyError, parseError, SqlError } from '../errors.js';
import type { SessionContext } from '../session_context.js';
import type { EngineResult } from '../sql_engine.js';
import { type StatementCursor, schemaRef } from './statement_parsing.js';

const empty = () => new MaterializedResult([], []);

/** `USE ...`; the cursor is past USE. */
export async function runUse(s: SessionContext, c: StatementCursor): Promise<EngineResult> {
  if (c.kw('CATALOG')) {
    const parts = c.name();
    if (parts?.length !== 1) throw parseError(c.peek()?.text ?? 'end of input');
    c.expectEnd();
    const cat = (parts[0] as string).toLowerCase();
    if (!s.catalogs.has(cat)) throw catalogNotFound(cat);
    // Databricks sets the schema to `default` (even when the catalog has none)
    s.setNamespace(cat, 'default');
    return empty();
  }
  const explicitSchema = c.kw('SCHEMA', 'DATABASE', 'NAMESPACE');
  const parts = c.name();
  if (!parts) throw parseError(c.peek()?.text ?? 'end of input');
  c.expectEnd();
  if (parts.length === 1 && !explicitSchema) {
    await s.use(s.currentCatalog, parts[0] as string);
  } else {
    const { catalog, schema } = schemaRef(s, parts);
    await s.use(catalog, schema);
  }
  return empty();
}

/**
 * `CREATE|DROP CATALOG|SCHEMA|DATABASE|NAMESPACE ...` (`kw` is CREATE or DROP; the cursor is past
 * it); undefined for other objects (tables, views, ... run on DuckDB).
 */
export async function runCreateOrDropNamespace(
  s: SessionContext,
  c: StatementCursor,
  kw: 'CREATE' | 'DROP',
): Promise<EngineResult | undefined> {
  const isCatalog = c.kw('CATALOG');
  const isSchema = !isCatalog && c.kw('SCHEMA', 'DATABASE', 'NAMESPACE');
  if (!isCatalog && !isSchema) return undefined;
  let ifExists = false;
  let ifNotExists = false;
  if (kw === 'CREATE' && c.isKw('IF')) {
    c.i++;
    c.kw('NOT');
    c.kw('EXISTS');
    ifNotExists = true;
  } else if (kw === 'DROP' && c.isKw('IF')) {
    c.i++;
    c.kw('EXISTS');
    ifExists = true;
  }
  const parts = c.name();
  if (!parts) throw parseError(c.peek()?.text ?? 'end of input');
  let comment: string | undefined;
  let cascade = false;
  while (!c.done()) {
    if (c.kw('COMMENT')) {
      const t = c.peek();
      if (t?.kind === 'string') comment = t.value;
      c.i++;
    } else if (c.kw('CASCADE')) cascade = true;
    else c.i++; // MANAGED LOCATION, WITH DBPROPERTIES, RESTRICT ... ignored
  }
  if (isCatalog) {
    const cat = (parts[0] as string).toLowerCase();
    if (kw === 'CREATE') {
      if (s.catalogs.has(cat)) {
        if (ifNotExists) return empty();
        throw new SqlError(
          'CATALOG_ALREADY_EXISTS',
          '42P04',
          `Cannot create catalog \`${cat}\` because it already exists.`,
        );
      }
      await s.createCatalog(cat, comment);
    } else {
      if (!s.catalogs.has(cat)) {
        if (ifExists) return empty();
        throw catalogNotFound(cat);
      }
      if (cat === s.currentCatalog) await s.use(s.defaultCatalog, s.defaultSchema);
      await s.dropCatalog(cat);
      s.functions.forgetNamespace(cat);
    }
    return empty();
  }
  const { catalog, schema } = schemaRef(s, parts);
  const internal = s.catalogs.internalName(catalog);
  if (!internal) throw catalogNotFound(catalog);
  const fq = `${identQuote(internal)}.${identQuote(schema)}`;
  // Python functions have no DuckDB object that would keep the schema from being dropped.
  if (kw === 'DROP' && !cascade && s.functions.hasFunctions(catalog, schema))
    throw new SqlError(
      'SCHEMA_NOT_EMPTY',
      '2BP01',
      `Cannot drop a schema \`${schema}\` because it contains objects.`,
    );
  const stmt =
    kw === 'CREATE'
      ? `CREATE SCHEMA ${ifNotExists ? 'IF NOT EXISTS ' : ''}${fq}`
      : `DROP SCHEMA ${ifExists ? 'IF EXISTS ' : ''}${fq}${cascade ? ' CASCADE' : ''}`;
  try {
    await s.runCatalogDdl(stmt);
  } catch (e) {
    const err = classifyError(e, s.errorContext);
    if (kw === 'DROP' && /dependent|depend/i.test(err.message)) {
      throw new SqlError(
        'SCHEMA_NOT_EMPTY',
        '2BP01',
        `Cannot drop a schema \`${schema}\` because it contains objects.`,
      );
    }
    throw err;
  }
  if (kw === 'DROP') s.functions.forgetNamespace(catalog, schema);
  if (kw === 'DROP' && catalog === s.currentCatalog && schema === s.currentSchema)
    s.setNamespace(s.currentCatalog, 'default');
  return empty();
}
