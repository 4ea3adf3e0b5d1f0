import { describe, expect, test } from 'vitest';
import { significant } from './lexer.js';
import { isSmallResult, SMALL_RESULT_ROWS } from './result_bound.js';

const small = (sql: string) => isSmallResult(significant(sql));

describe('isSmallResult', () => {
  test('a top-level LIMIT up to the bound, or a SELECT without FROM', () => {
    expect(small('SELECT 1 AS one')).toBe(true);
    expect(small('select current_catalog(), current_schema()')).toBe(true);
    expect(small('SELECT * FROM t LIMIT 100')).toBe(true);
    expect(small(`SELECT * FROM t ORDER BY a LIMIT ${SMALL_RESULT_ROWS}`)).toBe(true);
    expect(small('SELECT * FROM t LIMIT 10 OFFSET 500000')).toBe(true);
    expect(small('SELECT a FROM t UNION ALL SELECT a FROM u LIMIT 5')).toBe(true);
  });

  test('anything that may be large streams', () => {
    expect(small('SELECT * FROM t')).toBe(false);
    expect(small(`SELECT * FROM t LIMIT ${SMALL_RESULT_ROWS + 1}`)).toBe(false);
    expect(small('SELECT * FROM t LIMIT ALL')).toBe(false);
    expect(small('SELECT * FROM t LIMIT :n')).toBe(false);
    // A LIMIT inside a subquery does not bound the outer query.
    expect(small('SELECT * FROM (SELECT * FROM t LIMIT 5) JOIN u')).toBe(false);
    // Generators make many rows from none.
    expect(small('SELECT explode(sequence(1, 10000000))')).toBe(false);
    expect(small('SELECT * FROM range(100000000)')).toBe(false);
    expect(small('SELECT unnest(range(100000000))')).toBe(false);
    // Not a query, or more than one statement.
    expect(small('INSERT INTO t VALUES (1)')).toBe(false);
    expect(small('WITH x AS (SELECT 1) SELECT * FROM x')).toBe(false);
    expect(small('SELECT 1; SELECT * FROM t')).toBe(false);
  });
});
