/**
 * `information_schema` for every catalog, as DuckDB table macros over `duckdb_tables()`,
 * `duckdb_views()`, `duckdb_columns()`, `duckdb_constraints()` (comments from `COMMENT ON`).
 *
 * The dialect layer routes `<catalog>.information_schema.<view>` and the unqualified
 * `information_schema.<view>` (current catalog) to `memory.main.lc_is_<view>('<catalog>')`;
 * `system.information_schema.<view>` passes NULL (all catalogs).
 *
 * Type names are mapped by the JS type parser into `memory.main.lc_type_names`, refreshed by
 * `refreshTypeNames` before a statement that reads information_schema.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlQuote } from '../dialect/sql_quoting.js';
import { databricksTypeFromString } from '../duckdb/duckdb_type_strings.js';
import { DIVIDE_BY_ZERO_MESSAGE } from '../errors.js';

const CAT_FILTER = '(cat IS NULL OR c.external = lower(cat))';

export const INFORMATION_SCHEMA_SQL: string[] = [
  `CREATE TABLE IF NOT EXISTS memory.main.lc_type_names (duck VARCHAR PRIMARY KEY, full_type VARCHAR, base_type VARCHAR)`,
  // ANSI division (the dialect layer wraps every divisor): 0 raises DIVIDE_BY_ZERO like Databricks SQL.
  `CREATE OR REPLACE MACRO memory.main.lc_nonzero(x) AS
     CASE WHEN x = 0 THEN error('${DIVIDE_BY_ZERO_MESSAGE.replaceAll("'", "''")}') ELSE x END`,
  `CREATE OR REPLACE MACRO memory.main.lc_is_catalogs(cat) AS TABLE
     SELECT c.external AS catalog_name, 'local-user@localhost' AS catalog_owner, c.comment AS comment,
            c.created AS created, 'local-user@localhost' AS created_by, c.created AS last_altered,
            'local-user@localhost' AS last_altered_by
     FROM memory.main.lc_catalogs c WHERE ${CAT_FILTER} ORDER BY 1`,
  `CREATE OR REPLACE MACRO memory.main.lc_is_schemata(cat) AS TABLE
     SELECT * FROM (
       SELECT c.external AS catalog_name, s.schema_name AS schema_name, 'local-user@localhost' AS schema_owner,
              s.comment AS comment, c.created AS created, 'local-user@localhost' AS created_by,
              c.created AS last_altered, 'local-user@localhost' AS last_altered_by
       FROM duckdb_schemas() s JOIN memory.main.lc_catalogs c ON s.database_name = c.internal
       WHERE ${CAT_FILTER} AND s.schema_name NOT IN ('main', 'pg_catalog', 'information_schema')
       UNION ALL
       SELECT c.external, 'information_schema', 'System user', 'Information schema (auto-created) for each catalog',
              c.created, 'System user', c.created, 'System user'
       FROM memory.main.lc_catalogs c WHERE ${CAT_FILTER}
     ) ORDER BY 1, 2`,
  `CREATE OR REPLACE MACRO memory.main.lc_is_tables(cat) AS TABLE
     SELECT * FROM (
       SELECT c.external AS table_catalog, t.schema_name AS table_schema, t.table_name AS table_name,
              'MANAGED' AS table_type, 'YES' AS is_insertable_into, 'PRESERVE' AS commit_action,
              'local-user@localhost' AS table_owner, t.comment AS comment, c.created AS created,
              'local-user@localhost' AS created_by, c.created AS last_altered,
              'local-user@localhost' AS last_altered_by, 'DELTA' AS data_source_format,
              CAST(NULL AS VARCHAR) AS storage_sub_directory, CAST(NULL AS VARCHAR) AS storage_path
       FROM duckdb_tables() t JOIN memory.main.lc_catalogs c ON t.database_name = c.internal
       WHERE ${CAT_FILTER} AND NOT t.temporary AND t.schema_name NOT IN ('main', 'pg_catalog', 'information_schema')
       UNION ALL
       SELECT c.external, v.schema_name, v.view_name, 'VIEW', 'NO', 'PRESERVE', 'local-user@localhost', v.comment,
              c.created, 'local-user@localhost', c.created, 'local-user@localhost', CAST(NULL AS VARCHAR),
              CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR)
       FROM duckdb_views() v JOIN memory.main.lc_catalogs c ON v.database_name = c.internal
       WHERE ${CAT_FILTER} AND NOT v.internal AND NOT v.temporary
             AND v.schema_name NOT IN ('main', 'pg_catalog', 'information_schema')
     ) ORDER BY 1, 2, 3`,
  `CREATE OR REPLACE MACRO memory.main.lc_is_views(cat) AS TABLE
     SELECT c.external AS table_catalog, v.schema_name AS table_schema, v.view_name AS table_name,
            v.sql AS view_definition, 'NONE' AS check_option, 'NO' AS is_updatable,
            'NO' AS is_insertable_into, 'NO' AS sql_path
     FROM duckdb_views() v JOIN memory.main.lc_catalogs c ON v.database_name = c.internal
     WHERE ${CAT_FILTER} AND NOT v.internal AND NOT v.temporary
           AND v.schema_name NOT IN ('main', 'pg_catalog', 'information_schema')
     ORDER BY 1, 2, 3`,
  `CREATE OR REPLACE MACRO memory.main.lc_is_columns(cat) AS TABLE
     SELECT c.external AS table_catalog, col.schema_name AS table_schema, col.table_name AS table_name,
            col.column_name AS column_name, CAST(col.column_index AS INTEGER) AS ordinal_position,
            col.column_default AS column_default,
            CASE WHEN col.is_nullable THEN 'YES' ELSE 'NO' END AS is_nullable,
            lower(coalesce(tn.full_type, col.data_type)) AS full_data_type,
            coalesce(tn.base_type, upper(col.data_type)) AS data_type,
            CAST(NULL AS BIGINT) AS character_maximum_length, CAST(NULL AS BIGINT) AS character_octet_length,
            CAST(CASE WHEN tn.base_type = 'DECIMAL' THEN col.numeric_precision
                      WHEN tn.base_type = 'TINYINT' THEN 3 WHEN tn.base_type = 'SMALLINT' THEN 5
                      WHEN tn.base_type = 'INT' THEN 10 WHEN tn.base_type = 'BIGINT' THEN 19
                      WHEN tn.base_type = 'FLOAT' THEN 24 WHEN tn.base_type = 'DOUBLE' THEN 53 END AS INTEGER) AS numeric_precision,
            CAST(CASE WHEN tn.base_type IN ('DECIMAL','TINYINT','SMALLINT','INT','BIGINT') THEN 10
                      WHEN tn.base_type IN ('FLOAT','DOUBLE') THEN 2 END AS INTEGER) AS numeric_precision_radix,
            CAST(CASE WHEN tn.base_type IN ('DECIMAL','TINYINT','SMALLINT','INT','BIGINT') THEN coalesce(col.numeric_scale, 0) END AS INTEGER) AS numeric_scale,
            CAST(CASE WHEN tn.base_type IN ('DATE') THEN 0 WHEN tn.base_type = 'TIMESTAMP' THEN 6 END AS INTEGER) AS datetime_precision,
            CAST(NULL AS VARCHAR) AS interval_type, CAST(NULL AS INTEGER) AS interval_precision,
            CAST(NULL AS VARCHAR) AS maximum_cardinality, 'NO' AS is_identity,
            CAST(NULL AS VARCHAR) AS identity_generation, 'NO' AS is_system_time_period_start,
            'NO' AS is_system_time_period_end, 'NEVER' AS is_generated, CAST(NULL AS VARCHAR) AS generation_expression,
            'YES' AS is_updatable, col.comment AS comment, CAST(NULL AS INTEGER) AS partition_index
     FROM duckdb_columns() col
     JOIN memory.main.lc_catalogs c ON col.database_name = c.internal
     LEFT JOIN memory.main.lc_type_names tn ON tn.duck = col.data_type
     WHERE ${CAT_FILTER} AND NOT col.internal
           AND col.schema_name NOT IN ('main', 'pg_catalog', 'information_schema')
     ORDER BY 1, 2, 3, 5`,
  `CREATE OR REPLACE MACRO memory.main.lc_is_table_constraints(cat) AS TABLE
     SELECT c.external AS constraint_catalog, k.schema_name AS constraint_schema,
            coalesce(k.constraint_name, k.table_name || '_pk') AS constraint_name,
            c.external AS table_catalog, k.schema_name AS table_schema, k.table_name AS table_name,
            k.constraint_type AS constraint_type, 'NO' AS is_deferrable, 'NO' AS initially_deferred,
            'NO' AS enforced, CAST(NULL AS VARCHAR) AS comment
     FROM duckdb_constraints() k JOIN memory.main.lc_catalogs c ON k.database_name = c.internal
     WHERE ${CAT_FILTER} AND k.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE')
     ORDER BY 1, 2, 3`,
  `CREATE OR REPLACE MACRO memory.main.lc_is_key_column_usage(cat) AS TABLE
     SELECT c.external AS constraint_catalog, k.schema_name AS constraint_schema,
            coalesce(k.constraint_name, k.table_name || '_pk') AS constraint_name,
            c.external AS table_catalog, k.schema_name AS table_schema, k.table_name AS table_name,
            u.column_name AS column_name, CAST(u.ordinal AS INTEGER) AS ordinal_position,
            CAST(CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN u.ordinal END AS INTEGER) AS position_in_unique_constraint
     FROM duckdb_constraints() k
     JOIN memory.main.lc_catalogs c ON k.database_name = c.internal,
     LATERAL (SELECT unnest(k.constraint_column_names) AS column_name,
                     generate_subscripts(k.constraint_column_names, 1) AS ordinal) u
     WHERE ${CAT_FILTER} AND k.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE')
     ORDER BY 1, 2, 3, 8`,
  `CREATE OR REPLACE MACRO memory.main.lc_is_referential_constraints(cat) AS TABLE
     SELECT c.external AS constraint_catalog, k.schema_name AS constraint_schema,
            coalesce(k.constraint_name, k.table_name || '_fk') AS constraint_name,
            c.external AS unique_constraint_catalog, k.schema_name AS unique_constraint_schema,
            k.referenced_table || '_pk' AS unique_constraint_name, 'NONE' AS match_option,
            'NO ACTION' AS update_rule, 'NO ACTION' AS delete_rule
     FROM duckdb_constraints() k JOIN memory.main.lc_catalogs c ON k.database_name = c.internal
     WHERE ${CAT_FILTER} AND k.constraint_type = 'FOREIGN KEY'`,
  `CREATE OR REPLACE MACRO memory.main.lc_is_constraint_column_usage(cat) AS TABLE
     SELECT table_catalog, table_schema, table_name, column_name, constraint_catalog, constraint_schema, constraint_name
     FROM memory.main.lc_is_key_column_usage(cat)`,
];

export async function installInformationSchema(conn: DuckDBConnection): Promise<void> {
  for (const s of INFORMATION_SCHEMA_SQL) await conn.run(s);
}

/** Record the Databricks names of every DuckDB column type currently in use. */
export async function refreshTypeNames(conn: DuckDBConnection): Promise<void> {
  const r = await conn.runAndReadAll(
    'SELECT DISTINCT data_type FROM duckdb_columns() WHERE data_type NOT IN (SELECT duck FROM memory.main.lc_type_names)',
  );
  const rows = r.getRows();
  if (rows.length === 0) return;
  const values = rows.map(([d]) => {
    const t = databricksTypeFromString(String(d));
    return `(${sqlQuote(String(d))}, ${sqlQuote(t.name)}, ${sqlQuote(t.base)})`;
  });
  try {
    await conn.run(`INSERT OR IGNORE INTO memory.main.lc_type_names VALUES ${values.join(', ')}`);
  } catch {
    // a concurrent session inserted the same names (write-write conflict): theirs will do
  }
}
