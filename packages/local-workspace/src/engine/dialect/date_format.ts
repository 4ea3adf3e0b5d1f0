/**
 * Java `SimpleDateFormat` / Spark datetime patterns (`yyyy-MM-dd HH:mm`) → DuckDB strftime
 * patterns (`%Y-%m-%d %H:%M`), for `date_format`, `to_date`, `to_timestamp` and `from_unixtime`.
 */
import { SqlError } from '../sql_error.js';

/** Java `SimpleDateFormat`/Spark datetime pattern → DuckDB strftime pattern. */
export function javaToStrftime(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === "'") {
      // quoted literal text ('' is a single quote)
      if (pattern[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      const end = pattern.indexOf("'", i + 1);
      const lit = pattern.slice(i + 1, end < 0 ? pattern.length : end);
      out += lit.replace(/%/g, '%%');
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      const len = j - i;
      i = j;
      switch (c) {
        case 'y':
        case 'Y':
        case 'u':
          out += len === 2 ? '%y' : '%Y';
          break;
        case 'M':
        case 'L':
          out += len >= 4 ? '%B' : len === 3 ? '%b' : len === 2 ? '%m' : '%-m';
          break;
        case 'd':
          out += len >= 2 ? '%d' : '%-d';
          break;
        case 'D':
          out += '%j';
          break;
        case 'H':
          out += len >= 2 ? '%H' : '%-H';
          break;
        case 'h':
          out += len >= 2 ? '%I' : '%-I';
          break;
        case 'k':
          out += '%H';
          break;
        case 'm':
          out += len >= 2 ? '%M' : '%-M';
          break;
        case 's':
          out += len >= 2 ? '%S' : '%-S';
          break;
        case 'S':
          out += len <= 3 ? '%g' : len <= 6 ? '%f' : '%n';
          break;
        case 'a':
          out += '%p';
          break;
        case 'E':
          out += len >= 4 ? '%A' : '%a';
          break;
        case 'Z':
        case 'X':
        case 'x':
          out += '%z';
          break;
        case 'z':
        case 'V':
          out += '%Z';
          break;
        case 'w':
          out += '%V';
          break;
        case 'Q':
        case 'q':
          throw new SqlError(
            'UNSUPPORTED_FEATURE',
            '0A000',
            `The datetime pattern letter '${c}' is not supported by the local warehouse.`,
          );
        default:
          out += c.repeat(len);
      }
      continue;
    }
    out += c === '%' ? '%%' : c;
    i++;
  }
  return out;
}
