/** Translation in tests: a session in `main.default` with the catalogs `main`, `samples`, `system`. */
import { type TranslateContext, translate } from './translate.js';

const catalogs = {
  internalName: (n: string) =>
    ({ main: 'lc_main', samples: 'samples', system: 'lc_system' })[n.toLowerCase()],
};

export const testContext = (over: Partial<TranslateContext> = {}): TranslateContext => ({
  catalogs,
  currentCatalog: 'main',
  currentSchema: 'default',
  ...over,
});

/** The DuckDB SQL of a Spark statement. */
export const translated = (sql: string, over: Partial<TranslateContext> = {}) =>
  translate(sql, testContext(over)).sql;
