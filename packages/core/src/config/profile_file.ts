/**
 * Reader for the Databricks CLI configuration file (`~/.databrickscfg`).
 *
 * A small strict parser instead of a library: the only INI packages at hand (`ini` and friends)
 * silently accept malformed lines and report no line numbers, and core keeps its dependency list
 * to zod, undici and eventsource-parser. The CLI writes the file with go-ini, whose format is
 * simple: `[section]` headers, `key = value` (go-ini also accepts `key: value`), full-line `#`/`;`
 * comments, optional quotes around values, no multi-line values. Anything else is an error that
 * names the file and the 1-based line, so a broken file is never half-read.
 */
import { readFile } from 'node:fs/promises';
import { DatabricksConfigError } from '../errors.js';

/** Sections by name, each a map of lowercased keys to values. Key order is not significant. */
export interface ProfileFile {
  /** Absolute path that was read. */
  readonly path: string;
  /** The path as shown in messages (`~/.databrickscfg`). */
  readonly displayPath: string;
  readonly profiles: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** The section holding keys that appear before any header, as in go-ini. */
export const DEFAULT_PROFILE = 'DEFAULT';

/** Parses the text of a config file. `displayPath` is used in error messages. */
export function parseProfileFile(
  text: string,
  path: string,
  displayPath: string = path,
): ProfileFile {
  const profiles = new Map<string, Record<string, string>>();
  let current = DEFAULT_PROFILE;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const lineNumber = index + 1;
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    if (line.startsWith('[')) {
      const match = /^\[([^\]]*)\]\s*(?:[#;].*)?$/.exec(line);
      const name = match?.[1]?.trim();
      if (!name) {
        throw lineError(
          displayPath,
          path,
          lineNumber,
          match ? 'empty section name' : 'expected `[section]` (missing `]`?)',
        );
      }
      current = name;
      if (!profiles.has(current)) profiles.set(current, {});
      return;
    }
    const delimiter = findDelimiter(line);
    if (delimiter <= 0) {
      throw lineError(displayPath, path, lineNumber, 'expected `key = value` or `[section]`');
    }
    const key = line.slice(0, delimiter).trim().toLowerCase();
    if (!/^[a-z0-9_.-]+$/.test(key)) {
      throw lineError(displayPath, path, lineNumber, 'expected `key = value` or `[section]`');
    }
    const value = cleanValue(line.slice(delimiter + 1));
    let section = profiles.get(current);
    if (!section) {
      section = {};
      profiles.set(current, section);
    }
    // Later duplicates win, as in go-ini.
    section[key] = value;
  });
  return { path, displayPath, profiles };
}

function findDelimiter(line: string): number {
  const equals = line.indexOf('=');
  const colon = line.indexOf(':');
  if (equals === -1) return colon;
  if (colon === -1) return equals;
  return Math.min(equals, colon);
}

function cleanValue(raw: string): string {
  let value = raw.trim();
  const quote = value[0];
  if ((quote === '"' || quote === "'" || quote === '`') && value.length >= 2) {
    const end = value.indexOf(quote, 1);
    if (end > 0) return value.slice(1, end);
  }
  // Inline comments only after whitespace: `#` and `;` may appear inside secrets.
  const comment = /\s[#;]/.exec(value);
  if (comment) value = value.slice(0, comment.index).trim();
  return value;
}

function lineError(
  displayPath: string,
  path: string,
  line: number,
  problem: string,
): DatabricksConfigError {
  return new DatabricksConfigError(`${displayPath} line ${line}: ${problem}.`, {
    file: path,
    line,
  });
}

/**
 * Reads and parses a config file. Returns `undefined` when it does not exist (the caller decides
 * whether that is an error); any other failure (permissions, a directory) is a
 * DatabricksConfigError naming the file.
 */
export async function readProfileFile(
  path: string,
  displayPath: string = path,
): Promise<ProfileFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT') return undefined;
    const reason =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory, not a file'
          : (code ?? 'unknown error');
    throw new DatabricksConfigError(
      `Cannot read Databricks config file ${displayPath}: ${reason}. ` +
        'Fix the file, or point DATABRICKS_CONFIG_FILE / `configFile` at another one.',
      { file: path, cause },
    );
  }
  return parseProfileFile(text, path, displayPath);
}
