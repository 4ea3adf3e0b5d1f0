/**
 * Server-sent events from serving endpoints → parsed JSON chunks → LangChain chunks. A stream
 * is complete only when it sends `data: [DONE]` (or, for endpoints that close without it, after
 * a finish_reason); anything else is an error, never a silently shortened answer.
 */
import { parseSseStream } from '@lakechain/core';
import { DatabricksServingError, incompleteStream, malformedResponse } from './errors.js';

export interface StreamEvent {
  /** Parsed JSON of one `data:` line. */
  data: Record<string, unknown>;
  event?: string;
}

/**
 * Reads an SSE response and yields each JSON event. Ends normally only after `[DONE]`, or when
 * the body ends cleanly after `isFinal` has accepted an event (a finish_reason was seen).
 * Throws `DatabricksServingError` for malformed JSON, `error` events and early ends.
 */
export async function* readServingEvents(
  response: Response,
  endpoint: string,
  options: { signal?: AbortSignal; isFinal?: (data: Record<string, unknown>) => boolean } = {},
): AsyncGenerator<StreamEvent> {
  const body = response.body;
  if (!body) throw malformedResponse(endpoint, 'the streamed response has no body');
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.includes('application/json')) {
    // Some endpoints ignore `stream: true` and answer with one JSON object.
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw malformedResponse(endpoint, `expected JSON, got ${preview(text)}`, error);
    }
    if (typeof parsed !== 'object' || parsed === null)
      throw malformedResponse(endpoint, 'expected a JSON object');
    yield { data: parsed as Record<string, unknown>, event: 'complete' };
    return;
  }

  let sawFinal = false;
  try {
    for await (const event of parseSseStream(body, options.signal)) {
      const raw = event.data.trim();
      if (raw === '') continue;
      if (raw === '[DONE]') return;
      let data: unknown;
      try {
        data = JSON.parse(raw);
      } catch (error) {
        throw malformedResponse(endpoint, `stream event is not JSON: ${preview(raw)}`, error);
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw malformedResponse(endpoint, `stream event is not a JSON object: ${preview(raw)}`);
      }
      const record = data as Record<string, unknown>;
      if (event.event === 'error' || (record.error && !record.choices)) {
        throw streamError(endpoint, record);
      }
      if (options.isFinal?.(record)) sawFinal = true;
      yield { data: record, event: event.event };
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    if (DatabricksServingError.isInstance(error)) throw error;
    // The connection broke mid-stream: never hand back a silently shortened answer.
    throw incompleteStream(endpoint, error);
  }
  // The body ended without `[DONE]`: complete only if a finish_reason was already seen.
  if (!sawFinal) throw incompleteStream(endpoint);
}

function streamError(endpoint: string, record: Record<string, unknown>): DatabricksServingError {
  const error = record.error as Record<string, unknown> | string | undefined;
  const message =
    typeof error === 'string'
      ? error
      : typeof error?.message === 'string'
        ? error.message
        : typeof record.message === 'string'
          ? record.message
          : JSON.stringify(record);
  const code =
    typeof error === 'object' && typeof error?.code === 'string' ? error.code : undefined;
  return new DatabricksServingError(
    `Databricks endpoint ${endpoint} sent an error in its stream: ${message}`,
    {
      kind: 'stream_error',
      endpoint,
      errorCode: code,
      retryable: false,
    },
  );
}

function preview(text: string): string {
  const single = text.replace(/\s+/g, ' ');
  return single.length > 200 ? `${single.slice(0, 200)}…` : single;
}
