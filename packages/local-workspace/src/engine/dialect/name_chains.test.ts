import { describe, expect, test } from 'vitest';
import { translated } from './testing_translate.js';

describe('names', () => {
  test('information_schema is routed to the catalog-scoped macros', () => {
    expect(
      translated("SELECT * FROM samples.information_schema.columns WHERE table_schema = 'tpch'"),
    ).toBe("SELECT * FROM memory.main.lc_is_columns('samples') WHERE table_schema = 'tpch'");
    expect(
      translated('SELECT * FROM information_schema.tables', { currentCatalog: 'samples' }),
    ).toBe("SELECT * FROM memory.main.lc_is_tables('samples')");
    expect(translated('SELECT * FROM system.information_schema.tables')).toBe(
      'SELECT * FROM memory.main.lc_is_tables(NULL)',
    );
  });
});
