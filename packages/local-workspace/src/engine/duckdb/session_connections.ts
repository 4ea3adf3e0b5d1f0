/**
 * The DuckDB connections of one session. A session normally needs one; a statement started while
 * another result of the same session is still being read gets another (DuckDB runs one query per
 * connection). Each connection remembers the namespace last applied with `USE`, so that `USE` is
 * sent only when the session's namespace changed.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { identQuote } from '../dialect/sql_quoting.js';
import { SqlError } from '../sql_error.js';

export interface PooledConnection {
  conn: DuckDBConnection;
  busy: boolean;
  /** Namespace last applied with USE ("internal.schema"). */
  ns: string;
}

export class SessionConnections {
  private pool: PooledConnection[] = [];
  private closed = false;

  constructor(private readonly instance: DuckDBInstance) {}

  /**
   * An idle connection (or a new one) set to `internalCatalog`.`schema`. Mark it idle again
   * with `release`.
   */
  async acquire(internalCatalog: string, schema: string): Promise<PooledConnection> {
    if (this.closed) throw new SqlError('INTERNAL_ERROR', 'XX000', 'The session is closed.');
    let pc = this.pool.find((p) => !p.busy);
    if (!pc) {
      pc = { conn: await this.instance.connect(), busy: false, ns: '' };
      this.pool.push(pc);
    }
    pc.busy = true;
    const ns = `${internalCatalog}.${schema}`;
    if (pc.ns !== ns) {
      // information_schema is emulated by macros: any existing schema of the catalog will do.
      const duckSchema = schema === 'information_schema' ? 'main' : schema;
      try {
        await pc.conn.run(`USE ${identQuote(internalCatalog)}.${identQuote(duckSchema)}`);
      } catch {
        await pc.conn.run(`USE ${identQuote(internalCatalog)}.main`).catch(() => undefined);
      }
      pc.ns = ns;
    }
    return pc;
  }

  release(pc: PooledConnection): void {
    pc.busy = false;
    if (this.closed) {
      // closed while this connection was running: close it now that DuckDB is done with it
      try {
        pc.conn.closeSync();
      } catch {
        /* ignore */
      }
    }
  }

  /** Close idle connections now and interrupt running ones (closed when released). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const pc of this.pool) {
      try {
        if (pc.busy) pc.conn.interrupt();
        else pc.conn.closeSync();
      } catch {
        /* ignore */
      }
    }
    this.pool = [];
  }
}
