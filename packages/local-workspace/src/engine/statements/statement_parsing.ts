/**
 * Parsing for the emulated statements: a cursor over significant tokens with the forms they share
 * (keywords, dotted names, SHOW's `LIKE` patterns, `[catalog.]schema`).
 */

import type { Token } from '../dialect/lexer.js';
import { parseError, SqlError } from '../errors.js';
import type { SessionContext } from '../session_context.js';

/** Spark `LIKE 'a*|b*'` pattern of SHOW commands → RegExp. */
export function showPattern(p: string): RegExp {
  const alts = p.split('|').map((a) =>
    a
      .trim()
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch.replace(/[.+?^${}()[\]\\]/g, '\\$&')))
      .join(''),
  );
  return new RegExp(`^(?:${alts.join('|')})$`, 'i');
}

export class StatementCursor {
  i = 0;
  constructor(readonly toks: Token[]) {}
  peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }
  kw(...words: string[]): boolean {
    const t = this.peek();
    if (t && t.kind === 'ident' && words.includes(t.value.toUpperCase())) {
      this.i++;
      return true;
    }
    return false;
  }
  isKw(...words: string[]): boolean {
    const t = this.peek();
    return !!t && t.kind === 'ident' && words.includes(t.value.toUpperCase());
  }
  done(): boolean {
    const t = this.peek();
    return !t || (t.kind === 'op' && t.text === ';' && this.i === this.toks.length - 1);
  }
  /** A dotted name: parts. */
  name(): string[] | undefined {
    const t = this.peek();
    if (!t || (t.kind !== 'ident' && t.kind !== 'qident' && t.kind !== 'string')) return undefined;
    const parts = [t.value];
    this.i++;
    while (
      this.peek()?.text === '.' &&
      (this.peek(1)?.kind === 'ident' || this.peek(1)?.kind === 'qident')
    ) {
      parts.push((this.peek(1) as Token).value);
      this.i += 2;
    }
    return parts;
  }
  expectEnd(): void {
    if (this.peek()?.text === ';') this.i++;
    const t = this.peek();
    if (t) throw parseError(t.text);
  }
  likePattern(): RegExp | undefined {
    if (this.kw('LIKE')) {
      const t = this.peek();
      if (t?.kind !== 'string') throw parseError(t?.text ?? 'end of input');
      this.i++;
      return showPattern(t.value);
    }
    const t = this.peek();
    if (t?.kind === 'string') {
      this.i++;
      return showPattern(t.value);
    }
    return undefined;
  }
}

/** Resolve `[cat.]schema` against the session. */
export function schemaRef(s: SessionContext, parts: string[]): { catalog: string; schema: string } {
  if (parts.length === 1)
    return { catalog: s.currentCatalog, schema: (parts[0] as string).toLowerCase() };
  if (parts.length === 2)
    return {
      catalog: (parts[0] as string).toLowerCase(),
      schema: (parts[1] as string).toLowerCase(),
    };
  throw new SqlError(
    'REQUIRES_SINGLE_PART_NAMESPACE',
    '42K05',
    `Invalid namespace name: ${parts.join('.')}.`,
  );
}
