/**
 * User data loaded at start (`data` and `dataDir` of `SqlEngineOptions`): CSV, Parquet and JSON
 * files become Unity Catalog tables. This runs on the boot connection before the engine is
 * locked; afterwards DuckDB reads no file.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { identQuote, sqlQuote } from '../dialect/sql_quoting.js';
import { classifyError, type ErrorContext } from '../errors.js';
import type { CatalogRegistry } from '../statements/catalogs.js';

/** Where loaded tables go and how errors are reported. */
export interface DataLoadTarget {
  connection: DuckDBConnection;
  registry: CatalogRegistry;
  errorContext: ErrorContext;
  /** Catalog and schema of a table named with fewer than three parts. */
  defaultCatalog: string;
  defaultSchema: string;
}

/** Extensions of the files `dataDir` loads. */
const DATA_FILE_EXTENSIONS = ['.csv', '.parquet', '.tsv', '.json', '.ndjson', '.jsonl'];

/** The DuckDB reader of a file, by extension (CSV when unknown). */
function readerFor(path: string): string {
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return `read_parquet(${sqlQuote(path)})`;
  if (ext === '.json' || ext === '.ndjson' || ext === '.jsonl')
    return `read_json_auto(${sqlQuote(path)})`;
  return `read_csv_auto(${sqlQuote(path)}, header = true)`;
}

/** Load a CSV, Parquet or JSON file into `catalog.schema.table` (created or replaced). */
export async function loadDataFile(
  target: DataLoadTarget,
  table: string,
  path: string,
  comment?: string,
): Promise<void> {
  const parts = table.split('.').map((p) => p.replace(/^`|`$/g, ''));
  const [cat, sch, tbl] =
    parts.length === 3
      ? (parts as [string, string, string])
      : parts.length === 2
        ? [target.defaultCatalog, parts[0] as string, parts[1] as string]
        : [target.defaultCatalog, target.defaultSchema, parts[0] as string];
  const c = target.connection;
  const internal = await target.registry.create(c, cat);
  await c.run(
    `CREATE SCHEMA IF NOT EXISTS ${identQuote(internal)}.${identQuote(sch.toLowerCase())}`,
  );
  const fq = `${identQuote(internal)}.${identQuote(sch.toLowerCase())}.${identQuote(tbl.toLowerCase())}`;
  try {
    await c.run(`CREATE OR REPLACE TABLE ${fq} AS SELECT * FROM ${readerFor(path)}`);
    if (comment) await c.run(`COMMENT ON TABLE ${fq} IS ${sqlQuote(comment)}`);
  } catch (e) {
    throw classifyError(e, target.errorContext);
  }
}

/** Load every data file of a directory laid out as `<catalog>/<schema>/<table>.<extension>`. */
export async function loadDataDirectory(target: DataLoadTarget, dir: string): Promise<void> {
  for (const cat of (await readdir(dir)).sort()) {
    const catDir = join(dir, cat);
    if (!(await stat(catDir)).isDirectory()) continue;
    for (const sch of (await readdir(catDir)).sort()) {
      const schDir = join(catDir, sch);
      if (!(await stat(schDir)).isDirectory()) continue;
      for (const f of (await readdir(schDir)).sort()) {
        const ext = extname(f).toLowerCase();
        if (!DATA_FILE_EXTENSIONS.includes(ext)) continue;
        await loadDataFile(target, `${cat}.${sch}.${f.slice(0, -ext.length)}`, join(schDir, f));
      }
    }
  }
}
