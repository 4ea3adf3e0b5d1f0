import { describe, expect, it } from 'vitest';
import { pythonFunctionStatement, sqlFunctionStatement } from './create_function.js';
import { UCFunctionError } from './errors.js';

describe('CREATE FUNCTION statements', () => {
  it('quotes names, comments and literal defaults; re-renders types', () => {
    expect(
      sqlFunctionStatement({
        name: 'main.tools.add_tax',
        comment: "Adds the region's tax",
        parameters: [
          { name: 'amount', type: 'decimal(10,2)', comment: 'Net \\ amount' },
          { name: 'rate', type: 'double', default: 0.2 },
          { name: 'label', type: 'string', default: "it's" },
          { name: 'when', type: 'date', default: { sql: 'current_date()' } },
          { name: 'flag', type: 'boolean', default: false },
        ],
        returns: 'decimal(12,2)',
        body: 'RETURN amount * (1 + rate)',
        deterministic: true,
      }),
    ).toBe(
      "CREATE OR REPLACE FUNCTION `main`.`tools`.`add_tax`(`amount` DECIMAL(10,2) COMMENT 'Net \\\\ amount', `rate` DOUBLE DEFAULT 0.2, `label` STRING DEFAULT 'it\\'s', `when` DATE DEFAULT current_date(), `flag` BOOLEAN DEFAULT FALSE) RETURNS DECIMAL(12,2) LANGUAGE SQL DETERMINISTIC COMMENT 'Adds the region\\'s tax' RETURN amount * (1 + rate)",
    );
  });

  it('writes table functions with their columns', () => {
    expect(
      sqlFunctionStatement({
        name: '`my cat`.tools.rows',
        returns: { columns: [{ name: 'id', type: 'bigint', comment: 'Key' }] },
        body: 'SELECT 1 AS id',
        replace: false,
      }),
    ).toBe(
      "CREATE FUNCTION `my cat`.`tools`.`rows`() RETURNS TABLE(`id` BIGINT COMMENT 'Key') LANGUAGE SQL RETURN SELECT 1 AS id",
    );
  });

  it('writes Python bodies between $$, without their common indentation', () => {
    expect(
      pythonFunctionStatement({
        name: 'main.tools.shout',
        parameters: [{ name: 'text', type: 'string' }],
        returns: 'string',
        body: `
          if text:
              return text.upper()
          return ''
        `,
        deterministic: false,
      }),
    ).toBe(
      "CREATE OR REPLACE FUNCTION `main`.`tools`.`shout`(`text` STRING) RETURNS STRING LANGUAGE PYTHON NOT DETERMINISTIC AS $$\nif text:\n    return text.upper()\nreturn ''\n$$",
    );
  });

  it('refuses what it cannot write safely, naming the problem', () => {
    const bad: Array<[() => string, RegExp]> = [
      [
        () => sqlFunctionStatement({ name: 'tools.f', returns: 'int', body: '1' }),
        /catalog\.schema\.function/,
      ],
      [
        () => sqlFunctionStatement({ name: 'a.b.c', returns: 'int; DROP TABLE t', body: '1' }),
        /the return type/,
      ],
      [
        () =>
          sqlFunctionStatement({
            name: 'a.b.c',
            parameters: [{ name: 'x', type: 'int', default: Number.NaN }],
            returns: 'int',
            body: 'x',
          }),
        /NaN/,
      ],
      [() => sqlFunctionStatement({ name: 'a.b.c', returns: 'int', body: ' ' }), /body is empty/],
      [
        () => pythonFunctionStatement({ name: 'a.b.c', returns: 'string', body: 'return "$$"' }),
        /\$\$/,
      ],
    ];
    for (const [make, message] of bad) {
      let error: unknown;
      try {
        make();
      } catch (caught) {
        error = caught;
      }
      expect(UCFunctionError.isInstance(error), String(message)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });
});
