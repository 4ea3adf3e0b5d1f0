/**
 * Query results longer than a page: the rest is kept under a random `next_page_token` for ten
 * minutes and `query-next-page` hands it out a page at a time. A token is good for one read,
 * and only for the index whose query made it.
 */
import { randomBytes } from 'node:crypto';
import type { StoreSettings } from './records.js';
import { invalid, type Json } from './wire.js';

interface Cursor {
  index: string;
  manifest: Json;
  rows: unknown[][];
  expires: number;
}

const CURSOR_LIFETIME_MS = 10 * 60_000;

export interface ResultPager {
  /** The first page of a result, with a token for the rest when there is more. */
  firstPage(index: string, manifest: Json, rows: unknown[][]): Json;
  /** The page under `body.page_token`, which a query of `index` must have made. */
  nextPage(index: string, body: Json): Json;
  /** Forgets every token. */
  clear(): void;
}

export function createResultPager(settings: Pick<StoreSettings, 'now' | 'pageSize'>): ResultPager {
  const { now, pageSize } = settings;
  const cursors = new Map<string, Cursor>();
  return {
    firstPage(index, manifest, rows) {
      if (rows.length <= pageSize)
        return {
          manifest,
          result: { row_count: rows.length, data_array: rows },
          next_page_token: '',
        };
      const token = randomBytes(18).toString('base64url');
      cursors.set(token, {
        index,
        manifest,
        rows: rows.slice(pageSize),
        expires: now() + CURSOR_LIFETIME_MS,
      });
      const first = rows.slice(0, pageSize);
      return {
        manifest,
        result: { row_count: first.length, data_array: first },
        next_page_token: token,
      };
    },
    nextPage(index, body) {
      const token = body.page_token;
      if (typeof token !== 'string' || !token) throw invalid('page_token is required.');
      const cursor = cursors.get(token);
      cursors.delete(token);
      if (!cursor || cursor.index !== index || cursor.expires < now())
        throw invalid('page_token is invalid or has expired; run the query again.');
      const rows = cursor.rows.slice(0, pageSize);
      let next = '';
      if (cursor.rows.length > pageSize) {
        next = randomBytes(18).toString('base64url');
        cursors.set(next, {
          ...cursor,
          rows: cursor.rows.slice(pageSize),
          expires: now() + CURSOR_LIFETIME_MS,
        });
      }
      return {
        manifest: cursor.manifest,
        result: { row_count: rows.length, data_array: rows },
        next_page_token: next,
      };
    },
    clear() {
      cursors.clear();
    },
  };
}
