/**
 * Tool names of Unity Catalog functions: Databricks' convention `catalog__schema__function` (what
 * the managed MCP server and Python's `UCFunctionToolkit` name them), within the 64 characters
 * and the `[A-Za-z0-9_-]` alphabet model APIs accept. A name that does not fit is shortened
 * deterministically: its start is kept and a hash of the full name is appended, so two long names
 * never collide and the same function always gets the same name.
 */

/** The longest tool name model APIs accept (OpenAI, Anthropic, Databricks' FMAPI). */
export const MAX_TOOL_NAME_LENGTH = 64;

const HASH_LENGTH = 10;

/** 64-bit FNV-1a of the UTF-8 bytes of `text`, in base 36 (no crypto needed, any runtime). */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(36);
}

/**
 * The tool name of the function `catalog.schema.name`: `catalog__schema__name` when that is at
 * most `maxLength` characters of `[A-Za-z0-9_-]`; otherwise the allowed characters of it (others
 * become `_`), cut to leave room for `_` and a hash of the full name.
 */
export function toolNameOf(fullName: string, maxLength = MAX_TOOL_NAME_LENGTH): string {
  const name = fullName.split('.').join('__');
  if (name.length <= maxLength && /^[A-Za-z0-9_-]+$/.test(name)) return name;
  const safe = name.replace(/[^A-Za-z0-9_-]/g, '_');
  const hash = fnv1a64(fullName).padStart(HASH_LENGTH, '0').slice(-HASH_LENGTH);
  return `${safe.slice(0, Math.max(1, maxLength - HASH_LENGTH - 1))}_${hash}`;
}
