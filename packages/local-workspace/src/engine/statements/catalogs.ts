/**
 * Unity Catalog catalogs on DuckDB attached in-memory databases.
 *
 * DuckDB reserves some database names (`main`, `system`, `temp`, `memory`), so a catalog has an
 * internal DuckDB name: the same name, or `lc_<name>` for reserved ones. The registry is also a
 * DuckDB table (`memory.main.lc_catalogs`) so that the information_schema macros can map names.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { identQuote, sqlQuote } from '../dialect/sql_quoting.js';
import type { Catalogs } from '../dialect/translate_context.js';

const RESERVED = new Set(['main', 'system', 'temp', 'memory', 'information_schema', 'pg_catalog']);

/** Schemas DuckDB creates that Unity Catalog does not show. */
export const HIDDEN_SCHEMAS = new Set(['main', 'pg_catalog', 'information_schema']);

export class CatalogRegistry implements Catalogs {
  private readonly toInternal = new Map<string, string>();
  private readonly toExternal = new Map<string, string>();

  static internalFor(name: string): string {
    const lower = name.toLowerCase();
    return RESERVED.has(lower) || lower.startsWith('lc_') ? `lc_${lower}` : lower;
  }

  internalName(name: string): string | undefined {
    return this.toInternal.get(name.toLowerCase());
  }

  externalName(internal: string): string {
    return this.toExternal.get(internal.toLowerCase()) ?? internal;
  }

  has(name: string): boolean {
    return this.toInternal.has(name.toLowerCase());
  }

  list(): string[] {
    return [...this.toInternal.keys()].sort();
  }

  /** Install the registry table. Run once on the bootstrap connection. */
  static async install(conn: DuckDBConnection): Promise<void> {
    await conn.run(
      'CREATE TABLE IF NOT EXISTS memory.main.lc_catalogs (internal VARCHAR PRIMARY KEY, external VARCHAR, comment VARCHAR, created TIMESTAMP)',
    );
  }

  /** Create (ATTACH) a catalog with its `default` schema. Idempotent unless `failIfExists`. */
  async create(
    conn: DuckDBConnection,
    name: string,
    comment?: string,
    failIfExists = false,
    withDefaultSchema = true,
  ): Promise<string> {
    const lower = name.toLowerCase();
    const existing = this.toInternal.get(lower);
    if (existing) {
      if (failIfExists)
        throw new Error(`Catalog Error: Catalog with name "${lower}" already exists!`);
      return existing;
    }
    const internal = CatalogRegistry.internalFor(lower);
    await conn.run(`ATTACH ':memory:' AS ${identQuote(internal)}`);
    if (withDefaultSchema)
      await conn.run(`CREATE SCHEMA IF NOT EXISTS ${identQuote(internal)}."default"`);
    await conn.run(
      `INSERT OR REPLACE INTO memory.main.lc_catalogs VALUES (${sqlQuote(internal)}, ${sqlQuote(lower)}, ${comment === undefined ? 'NULL' : sqlQuote(comment)}, TIMESTAMP '2024-01-01 00:00:00')`,
    );
    this.toInternal.set(lower, internal);
    this.toExternal.set(internal, lower);
    return internal;
  }

  async drop(conn: DuckDBConnection, name: string): Promise<void> {
    const lower = name.toLowerCase();
    const internal = this.toInternal.get(lower);
    if (!internal) return;
    await conn.run(`DETACH ${identQuote(internal)}`);
    await conn.run(`DELETE FROM memory.main.lc_catalogs WHERE internal = ${sqlQuote(internal)}`);
    this.toInternal.delete(lower);
    this.toExternal.delete(internal);
  }
}
