/**
 * Dotted names (`catalog.schema.table`, `schema.table`, `t.column`) as DuckDB reads them: Unity
 * Catalog catalogs map to their internal DuckDB databases (`main` is stored as `lc_main`),
 * `default` is quoted (a DuckDB keyword), and `information_schema` views go to the engine's
 * catalog-scoped table macros.
 */
import type { Token } from './lexer.js';
import { identQuote, sqlQuote } from './sql_quoting.js';
import { DEFAULT_MACRO_SCHEMA, type TranslateContext } from './translate_context.js';

/** The information_schema views the engine emulates (see information_schema.ts). */
const INFO_SCHEMA_TABLES = new Set([
  'tables',
  'columns',
  'schemata',
  'catalogs',
  'views',
  'table_constraints',
  'key_column_usage',
  'referential_constraints',
  'constraint_column_usage',
]);

function renderPart(p: Token): string {
  if (p.kind === 'qident') return identQuote(p.value);
  if (p.value.toLowerCase() === 'default') return '"default"';
  return p.text;
}

/** A dotted name chain (its parts are `ident`/`qident` tokens) as DuckDB SQL. */
export function renderNameChain(
  parts: Token[],
  followedByParen: boolean,
  context: TranslateContext,
): string {
  const names = parts.map((p) => p.value);
  const lower = names.map((n) => n.toLowerCase());
  const prefix = context.infoSchemaPrefix ?? DEFAULT_MACRO_SCHEMA;
  if (!followedByParen) {
    if (
      parts.length === 3 &&
      lower[1] === 'information_schema' &&
      INFO_SCHEMA_TABLES.has(lower[2] as string)
    ) {
      const cat = lower[0] === 'system' ? null : (names[0] as string);
      if (cat !== null && context.catalogs.internalName(cat) === undefined) {
        // unknown catalog: let DuckDB raise a catalog error
        return `${identQuote(cat)}.information_schema.${names[2]}`;
      }
      return `${prefix}.lc_is_${lower[2]}(${cat === null ? 'NULL' : sqlQuote(cat)})`;
    }
    if (
      parts.length === 2 &&
      lower[0] === 'information_schema' &&
      INFO_SCHEMA_TABLES.has(lower[1] as string)
    ) {
      const cat = context.currentCatalog;
      return `${prefix}.lc_is_${lower[1]}(${cat.toLowerCase() === 'system' ? 'NULL' : sqlQuote(cat)})`;
    }
  }
  const rendered = parts.map(renderPart);
  if (parts.length >= 3) {
    const internal = context.catalogs.internalName(names[0] as string);
    if (internal !== undefined && internal !== names[0]) rendered[0] = identQuote(internal);
  }
  return rendered.join('.');
}
