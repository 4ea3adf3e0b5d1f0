/**
 * Text helpers of the scripted handlers: rough token counts, the text of message content, word
 * and piece splitting for streams, and a (slow, abortable) async iterable of chunks.
 */
import { delay } from './reply.js';

type Json = Record<string, unknown>;

export interface ScriptedStreamOptions {
  /** Wait this long before each streamed chunk (simulates a slow model). */
  delayMs?: number;
}

/** A rough, deterministic token count (4 characters a token), good enough for usage figures. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** The text of a message's content, whether a string or a list of `{type:'text', text}` parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) =>
      typeof part === 'object' && part !== null && typeof (part as Json).text === 'string'
        ? ((part as Json).text as string)
        : '',
    )
    .join('');
}

/** Splits text into word-sized pieces (each keeps its trailing whitespace). */
export function splitWords(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
}

export function splitIn(text: string, parts: number): string[] {
  if (text.length < parts) return [text];
  const size = Math.ceil(text.length / parts);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

export function asObject(body: unknown): Json {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Json) : {};
}

/**
 * An async iterable over `chunks`, waiting `delayMs` before each one (a slow stream); stops when
 * `signal` aborts.
 */
export async function* streamOf<T>(
  chunks: Iterable<T>,
  options: { delayMs?: number; signal?: AbortSignal } = {},
): AsyncGenerator<T> {
  for (const chunk of chunks) {
    if (options.delayMs) await delay(options.delayMs, options.signal);
    if (options.signal?.aborted) return;
    yield chunk;
  }
}
