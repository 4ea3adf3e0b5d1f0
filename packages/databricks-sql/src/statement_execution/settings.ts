/**
 * Settings of the `'rest'` transport of `DatabricksSqlDatabase` (option `statementExecution`),
 * validated with the other options.
 */
import { z } from 'zod';
import type { ResultFormat } from './wire.js';

export interface StatementExecutionSettings {
  /**
   * Where results travel. `'auto'` (default): INLINE JSON_ARRAY when at most
   * `inlineMaxRows` rows are wanted (one round trip), and for the package's own uncapped
   * statements (metadata, sample rows); otherwise EXTERNAL_LINKS with `format` (chunks downloaded
   * from presigned links, in parallel). An INLINE answer cut by its byte limit before the row cap
   * is asked again with EXTERNAL_LINKS. `'INLINE'` and `'EXTERNAL_LINKS'` force one.
   */
  disposition?: 'auto' | 'INLINE' | 'EXTERNAL_LINKS';
  /** Format of EXTERNAL_LINKS chunks. Default `'ARROW_STREAM'`. (INLINE is always JSON_ARRAY.) */
  format?: ResultFormat;
  /** Largest row cap answered INLINE under `'auto'`. Default 10 000. */
  inlineMaxRows?: number;
  /**
   * Seconds the warehouse holds the request before answering with a still-running statement
   * (which is then polled): 0, or 5 to 50. Default 10.
   */
  waitTimeoutSeconds?: number;
  /** Chunks downloaded at the same time. Default 4. */
  maxConcurrentDownloads?: number;
}

// Built on first use (with the other options' schema): not part of importing the package.
let schema: ReturnType<typeof buildSchema> | undefined;

/** The schema of option `statementExecution`. */
export function statementExecutionSchema(): ReturnType<typeof buildSchema> {
  schema ??= buildSchema();
  return schema;
}

function buildSchema() {
  return z.strictObject(
    {
      disposition: z
        .enum(['auto', 'INLINE', 'EXTERNAL_LINKS'], {
          error: "expected 'auto', 'INLINE' or 'EXTERNAL_LINKS'",
        })
        .optional(),
      format: z
        .enum(['ARROW_STREAM', 'CSV', 'JSON_ARRAY'], {
          error: "expected 'ARROW_STREAM', 'CSV' or 'JSON_ARRAY'",
        })
        .optional(),
      inlineMaxRows: z
        .number({ error: 'expected a number of rows' })
        .int({ error: 'expected a whole number of rows' })
        .min(0, { error: 'expected 0 or more rows' })
        .optional(),
      waitTimeoutSeconds: z
        .number({ error: 'expected seconds' })
        .int({ error: 'expected whole seconds' })
        .refine((value) => value === 0 || (value >= 5 && value <= 50), {
          error: 'expected 0, or 5 to 50 seconds (the range the API accepts)',
        })
        .optional(),
      maxConcurrentDownloads: z
        .number({ error: 'expected a number of downloads' })
        .int({ error: 'expected a whole number of downloads' })
        .min(1, { error: 'expected at least 1 download' })
        .max(32, { error: 'expected at most 32 downloads' })
        .optional(),
    },
    { error: 'expected an object of Statement Execution settings' },
  );
}
