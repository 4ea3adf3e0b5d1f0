/** Quoting of values and names for the DuckDB SQL the engine writes. */

/** A DuckDB string literal: `it's` → `'it''s'`. */
export function sqlQuote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A DuckDB quoted identifier: `a"b` → `"a""b"`. */
export function identQuote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
