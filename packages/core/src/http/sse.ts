/**
 * Server-sent events over a fetch body, for serving endpoints that stream (`stream: true`).
 * Parsing is `eventsource-parser`'s; this file only adapts a `ReadableStream` into an async
 * iterable with cancellation.
 */
import { createParser } from 'eventsource-parser';

export interface SseEvent {
  /** The `event:` field; `undefined` for the default `message` type. */
  event?: string;
  data: string;
  id?: string;
}

/**
 * Yields the events of an SSE body in order. `[DONE]` sentinels are passed through: consumers
 * decide what ends their stream. A body that ends mid-event still yields what was complete (and
 * drops the unterminated trailing event, as the SSE spec requires), without an error. When
 * `signal` aborts, iteration rejects with its reason and the body is cancelled; breaking out of
 * the loop cancels the body too.
 */
export async function* parseSseStream(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<SseEvent, void, undefined> {
  signal?.throwIfAborted();
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const queue: SseEvent[] = [];
  const parser = createParser({
    onEvent(message) {
      const event: SseEvent = { data: message.data };
      if (message.event !== undefined) event.event = message.event;
      if (message.id !== undefined) event.id = message.id;
      queue.push(event);
    },
  });

  // A pending `read()` does not settle on its own when the caller aborts (the body may come from
  // anywhere), so each read races the abort.
  let rejectOnAbort: ((reason: unknown) => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    rejectOnAbort = reject;
  });
  // Avoid an unhandled rejection when nobody is awaiting the race.
  aborted.catch(() => undefined);
  const onAbort = () => rejectOnAbort?.(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });

  let finished = false;
  let lastChunk = '';
  try {
    for (;;) {
      const result = await Promise.race([reader.read(), aborted]);
      if (result.done) {
        const rest = decoder.decode();
        parser.feed(rest);
        // A bare CR ends a line, but the parser waits for a possible LF before deciding: at the
        // end of the body no LF can come, so complete the pending line break (CR + LF is still
        // one line break), or an event terminated by `\r\r` would be dropped.
        if ((rest || lastChunk).endsWith('\r')) parser.feed('\n');
        // An event not terminated by a blank line is dropped, as the SSE spec says: its data may
        // be cut mid-line (a truncated JSON chunk), and yielding it would pass it off as whole.
        finished = true;
        yield* queue.splice(0);
        return;
      }
      const text = decoder.decode(result.value, { stream: true });
      if (text) lastChunk = text;
      parser.feed(text);
      while (queue.length > 0) {
        signal?.throwIfAborted();
        yield queue.shift() as SseEvent;
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      // Abort, early `break` or an error: stop the download instead of leaving it running.
      await reader.cancel(signal?.aborted ? signal.reason : undefined).catch(() => undefined);
    }
    reader.releaseLock();
  }
}
