import { describe, expect, it } from 'vitest';
import { parseSseStream } from './sse.js';

function bodyOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>): Promise<string[]> {
  const data: string[] = [];
  for await (const event of parseSseStream(body)) data.push(event.data);
  return data;
}

describe('parseSseStream line endings', () => {
  it('accepts LF, CRLF and bare CR line endings, including at the very end of the body', async () => {
    expect(await collect(bodyOf('data: a\n\ndata: b\n\n'))).toEqual(['a', 'b']);
    expect(await collect(bodyOf('data: a\r\n\r\ndata: b\r\n\r\n'))).toEqual(['a', 'b']);
    expect(await collect(bodyOf('data: a\r\rdata: b\r\r'))).toEqual(['a', 'b']);
    expect(await collect(bodyOf('data: a\r', '\rdata: b\r', '\r'))).toEqual(['a', 'b']);
  });

  it('still drops an event the body cut before its terminating blank line', async () => {
    expect(await collect(bodyOf('data: a\r\rdata: {"cut'))).toEqual(['a']);
    expect(await collect(bodyOf('data: a\r\rdata: b\r'))).toEqual(['a']);
  });
});
