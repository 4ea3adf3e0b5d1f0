/**
 * How another service of the workspace calls a serving endpoint (Genie's NL-to-SQL, Vector
 * Search's embeddings): in-process, straight to the endpoint's handler, but recorded in the
 * endpoint's request log like a request over HTTPS, so a test sees every model call whoever made
 * it. The outcome is returned rather than thrown: each caller reports failures in its own API's
 * error shape.
 */
import { isReply } from '../../platform/responses.js';
import type { ServingRegistry } from './registry.js';

export type InProcessInvocation =
  | { outcome: 'answered'; body: unknown }
  | { outcome: 'missing' }
  /** The handler threw, or replied with an HTTP error (`status`, and the reply's body). */
  | { outcome: 'failed'; status: number; message: string };

export async function invokeInProcess(
  registry: ServingRegistry,
  request: {
    endpoint: string;
    body: Record<string, unknown>;
    userAgent: string;
    signal: AbortSignal;
  },
): Promise<InProcessInvocation> {
  const { endpoint, body, signal } = request;
  const definition = registry.get(endpoint);
  if (!definition) return { outcome: 'missing' };
  const headers = { 'user-agent': request.userAgent };
  const record = {
    endpoint,
    api: 'invocations' as const,
    method: 'POST',
    path: `/serving-endpoints/${endpoint}/invocations`,
    headers,
    body,
    receivedAt: Date.now(),
    status: 200 as number | undefined,
  };
  registry.record(record);
  let result: unknown;
  try {
    result = await definition.handler({
      endpoint,
      task: definition.task,
      api: 'invocations',
      body,
      headers,
      signal,
    });
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    record.status = typeof status === 'number' ? status : 500;
    return { outcome: 'failed', status: record.status, message: (error as Error).message };
  }
  if (!isReply(result)) return { outcome: 'answered', body: result };
  record.status = result.status;
  if (result.status >= 400)
    return {
      outcome: 'failed',
      status: result.status,
      message: `HTTP ${result.status} ${JSON.stringify(result.body ?? result.text ?? '')}`,
    };
  return { outcome: 'answered', body: result.body };
}
