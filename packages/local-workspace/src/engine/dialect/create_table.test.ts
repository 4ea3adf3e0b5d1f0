import { describe, expect, test } from 'vitest';
import { testContext } from './testing_translate.js';
import { translate } from './translate.js';

describe('CREATE TABLE', () => {
  test('CREATE TABLE comments and Delta clauses', () => {
    const t = translate(
      "CREATE TABLE IF NOT EXISTS main.default.t (id BIGINT COMMENT 'the id', tags ARRAY<STRING> COMMENT 'labels', amount DECIMAL(10,2)) USING DELTA PARTITIONED BY (id) COMMENT 'a table' TBLPROPERTIES ('delta.x' = 'y') LOCATION '/tmp/x'",
      testContext(),
    );
    expect(t.sql.replace(/\s+/g, ' ').replace(/ ,/g, ',').trim()).toBe(
      'CREATE TABLE IF NOT EXISTS "lc_main"."default".t (id BIGINT, tags VARCHAR[], amount DECIMAL(10,2))',
    );
    expect(t.ddlComments).toEqual({
      table: '"lc_main"."default".t',
      tableComment: 'a table',
      columns: [
        ['id', 'the id'],
        ['tags', 'labels'],
      ],
    });
  });
});
