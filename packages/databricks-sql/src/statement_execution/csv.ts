/**
 * CSV chunks of the Statement Execution API: RFC 4180 (fields quoted with `"` when they hold a
 * comma, quote or line break; quotes doubled), a header row only in chunk 0, and SQL NULL written
 * as a bare `null` (a quoted `"null"` is the string). Small enough not to need a library.
 */

/** Parses CSV text into rows of fields; a bare `null` field becomes `null`. */
export function parseCsv(text: string): Array<Array<string | null>> {
  const rows: Array<Array<string | null>> = [];
  let row: Array<string | null> = [];
  let field = '';
  let quoted = false;
  let inQuotes = false;
  let index = 0;
  const endField = () => {
    row.push(!quoted && field === 'null' ? null : field);
    field = '';
    quoted = false;
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  while (index < text.length) {
    const char = text[index]!;
    if (inQuotes) {
      if (char === '"') {
        if (text[index + 1] === '"') {
          field += '"';
          index += 2;
          continue;
        }
        inQuotes = false;
        index += 1;
        continue;
      }
      field += char;
      index += 1;
      continue;
    }
    if (char === '"' && field === '') {
      inQuotes = true;
      quoted = true;
      index += 1;
    } else if (char === ',') {
      endField();
      index += 1;
    } else if (char === '\r' || char === '\n') {
      endRow();
      index += char === '\r' && text[index + 1] === '\n' ? 2 : 1;
    } else {
      field += char;
      index += 1;
    }
  }
  if (field !== '' || quoted || row.length > 0) endRow();
  return rows;
}
