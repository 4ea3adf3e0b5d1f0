/**
 * Server-side prepared statements for the statements a pool runs again and again, as psycopg 3
 * does by default (`prepare_threshold=5`): PostgreSQL then parses and plans the checkpoint
 * queries once per connection instead of on every call. `pg` prepares a statement only when the
 * query has a `name`; this gives one (a hash of the text) to queries that already use the
 * extended protocol (they have parameter values, so they are single statements), once the same
 * text has been seen `threshold` times on the pool, and for at most `maxStatements` texts.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

export interface PrepareOptions {
  /** Uses of the same text before it is prepared. Default 3. */
  threshold?: number;
  /** Distinct texts prepared at most (per connection, PostgreSQL keeps each). Default 100. */
  maxStatements?: number;
}

export class StatementPreparer {
  readonly #threshold: number;
  readonly #maxStatements: number;
  /** Uses so far of each text not yet prepared (bounded: counting stops when full). */
  readonly #seen = new Map<string, number>();
  /** Names of the prepared texts. */
  readonly #names = new Map<string, string>();

  constructor(options: PrepareOptions = {}) {
    this.#threshold = options.threshold ?? 3;
    this.#maxStatements = options.maxStatements ?? 100;
  }

  /** The statement name for this text, once it is worth preparing. */
  nameFor(text: string): string | undefined {
    const named = this.#names.get(text);
    if (named) return named;
    if (this.#names.size >= this.#maxStatements) return undefined;
    const uses = (this.#seen.get(text) ?? 0) + 1;
    if (uses < this.#threshold) {
      if (this.#seen.size < this.#maxStatements * 10) this.#seen.set(text, uses);
      return undefined;
    }
    this.#seen.delete(text);
    const name = `lakechain_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    this.#names.set(text, name);
    return name;
  }

  /** Makes `client.query(text, values, callback?)` use a named (prepared) statement when due. */
  attach(client: pg.PoolClient): void {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    const patched = (...args: unknown[]): unknown => {
      const [text, values, ...rest] = args;
      if (typeof text === 'string' && Array.isArray(values)) {
        const name = this.nameFor(text);
        if (name) return original({ name, text, values }, ...rest);
      }
      return original(...args);
    };
    (client as unknown as { query: unknown }).query = patched;
  }
}
