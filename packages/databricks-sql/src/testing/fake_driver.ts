/**
 * An in-memory stand-in for the `@databricks/sql` client/session/operation objects, for offline
 * unit tests. It understands only the statements this package sends itself (information_schema
 * introspection and batched sample rows) and hands anything else to a test-supplied handler.
 */
import type { SqlClientLike, SqlOperationLike, SqlSessionLike } from '../connection.js';

export interface FakeColumn {
  name: string;
  type: string;
  nullable?: boolean;
  comment?: string;
}

export interface FakeTable {
  columns: FakeColumn[];
  rows: Array<Record<string, unknown>>;
  comment?: string;
}

/** A Databricks-style StatusError: NOT an Error, prints "[object Object]". */
export class FakeStatusError {
  name = 'Status Error';
  code = -1;
  constructor(public message: string) {}
}

export type Handler = (sql: string) => Array<Record<string, unknown>> | FakeResult;

export interface FakeResult {
  rows: Array<Record<string, unknown>>;
  /** Milliseconds before the first chunk is available (cancellable). */
  delayMs?: number;
}

export class FakeOperation implements SqlOperationLike {
  canceled = false;
  closed = false;
  fetchCalls = 0;
  rowsServed = 0;
  private offset = 0;
  private wake?: () => void;

  constructor(
    private readonly rows: Array<Record<string, unknown>>,
    private readonly delayMs = 0,
    private readonly fail?: unknown,
  ) {}

  async fetchChunk(options?: { maxRows?: number }): Promise<object[]> {
    this.fetchCalls++;
    if (this.delayMs > 0 && this.fetchCalls === 1) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.delayMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    if (this.canceled)
      throw Object.assign(new Error('The operation was canceled by a client'), {
        errorCode: 'CANCELED',
      });
    if (this.fail) throw this.fail;
    const n = Math.max(1, options?.maxRows ?? 100_000);
    const chunk = this.rows.slice(this.offset, this.offset + n);
    this.offset += chunk.length;
    this.rowsServed += chunk.length;
    return chunk;
  }
  async hasMoreRows(): Promise<boolean> {
    return this.offset < this.rows.length;
  }
  async getSchema(): Promise<unknown> {
    const first = this.rows[0];
    if (!first) return { columns: [] };
    return {
      columns: Object.keys(first).map((columnName) => ({
        columnName,
        typeDesc: { types: [{ primitiveEntry: { type: 7 /* STRING_TYPE */ } }] },
      })),
    };
  }
  async cancel(): Promise<unknown> {
    this.canceled = true;
    this.wake?.();
    return {};
  }
  async close(): Promise<unknown> {
    this.closed = true;
    return {};
  }
}

export class FakeWarehouse {
  readonly statements: string[] = [];
  readonly operations: FakeOperation[] = [];
  sessionsOpened = 0;
  /** When set, the next executeStatement fails as if the session had expired. */
  expireSessions = false;

  constructor(
    readonly catalog: string,
    readonly schema: string,
    readonly tables: Record<string, FakeTable>,
    readonly handler: Handler = () => {
      throw new FakeStatusError('[PARSE_SYNTAX_ERROR] Syntax error. SQLSTATE: 42601');
    },
  ) {}

  private answer(sql: string): FakeResult {
    if (/information_schema/i.test(sql)) {
      const rows: Array<Record<string, unknown>> = [];
      for (const [name, table] of Object.entries(this.tables)) {
        table.columns.forEach((c, i) => {
          rows.push({
            table_name: name,
            column_name: c.name,
            full_data_type: c.type.toLowerCase(),
            data_type: c.type.replace(/[<(].*$/, '').toUpperCase(),
            is_nullable: c.nullable === false ? 'NO' : 'YES',
            column_comment: c.comment ?? null,
            ordinal_position: i,
            table_comment: table.comment ?? null,
            table_type: 'MANAGED',
          });
        });
      }
      return { rows };
    }
    if (sql.includes('__lc_t')) {
      const rows: Array<Record<string, unknown>> = [];
      const re = /SELECT (\d+) AS __lc_t,.*? FROM `[^`]+`\.`[^`]+`\.`([^`]+)` LIMIT (\d+)\)/g;
      for (const m of sql.matchAll(re)) {
        const index = Number(m[1]);
        const table = this.tables[m[2]!];
        if (!table)
          throw new FakeStatusError(
            `[TABLE_OR_VIEW_NOT_FOUND] The table or view ${m[2]} cannot be found. SQLSTATE: 42P01`,
          );
        for (const row of table.rows.slice(0, Number(m[3]))) {
          const out: Record<string, unknown> = { __lc_t: index };
          table.columns.forEach((c, i) => {
            const v = row[c.name];
            out[`__lc_${i}`] = v === null || v === undefined ? null : String(v);
          });
          rows.push(out);
        }
      }
      return { rows };
    }
    const result = this.handler(sql);
    return Array.isArray(result) ? { rows: result } : result;
  }

  session(): SqlSessionLike {
    const self = this;
    let alive = true;
    return {
      async executeStatement(sql: string): Promise<SqlOperationLike> {
        if (self.expireSessions || !alive) {
          self.expireSessions = false;
          alive = false;
          throw new FakeStatusError('Invalid SessionHandle: session closed by the server');
        }
        self.statements.push(sql);
        const result = self.answer(sql);
        const op = new FakeOperation(result.rows, result.delayMs);
        self.operations.push(op);
        return op;
      },
      async getColumns(): Promise<SqlOperationLike> {
        throw new FakeStatusError('not used');
      },
      async close() {
        alive = false;
        return {};
      },
    };
  }

  client(): SqlClientLike {
    return {
      openSession: async () => {
        this.sessionsOpened++;
        return this.session();
      },
      close: async () => ({}),
    };
  }
}
