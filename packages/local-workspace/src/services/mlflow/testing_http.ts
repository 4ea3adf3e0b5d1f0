/**
 * Test support (not exported from the package): HTTPS calls that trust the workspace's CA, for
 * the MLflow REST API (with the workspace token) and for signed cloud-storage URLs (without it).
 */
import { request as httpsRequest } from 'node:https';
import type { LocalWorkspace } from '../../workspace.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read loosely typed wire JSON.
  json: any;
}

export function call(
  ws: LocalWorkspace,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpResult> {
  const target = url.startsWith('https://') ? url : `${ws.host}${url}`;
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(
      target,
      { method: options.method ?? 'GET', ca: ws.caCert, headers: options.headers },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body,
            text,
            json,
          });
        });
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** The Databricks REST API with the workspace token. */
export function restApi(ws: LocalWorkspace) {
  const auth = { authorization: `Bearer ${ws.token}` };
  return {
    get(path: string, query: Record<string, string> = {}) {
      const search = new URLSearchParams(query).toString();
      return call(ws, `${path}${search ? `?${search}` : ''}`, { headers: auth });
    },
    post(path: string, body: unknown) {
      return call(ws, path, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    },
  };
}

/** A header list (`[{name, value}]`, as credential infos carry them) as a header object. */
export function headerObject(headers: Array<{ name: string; value: string }> = []) {
  return Object.fromEntries(headers.map((header) => [header.name, header.value]));
}
