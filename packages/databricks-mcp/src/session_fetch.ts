/**
 * What the MCP SDK `Client`s of this package are given beyond the defaults, to load a server's
 * tools with no request or work that serves nothing (measured in bench/PROFILE.md).
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/index.js';

/**
 * The fetch of a Streamable HTTP transport, minus the standalone server-to-client stream of a
 * server that assigned no session. After `initialize`, the TypeScript SDK opens a `GET` SSE stream
 * for messages the server sends on its own. A stateless server (no `Mcp-Session-Id`, as
 * Databricks' managed servers behind their load balancer) cannot address anything to that stream,
 * yet it is one more request, a second connection (it stays open while `tools/list` is sent) and
 * its TLS handshake for every client. The Python MCP SDK (`streamablehttp_client`, which
 * databricks-langchain uses) opens it only when the server gave a session id; so does this. The
 * skipped `GET` is answered `405`, which the SDK reads as "the server offers no such stream". A
 * resumption (`Last-Event-ID`) and a session's stream go out as before.
 */
export function withoutSessionlessStream(fetch: FetchLike): FetchLike {
  return (url, init) => {
    if ((init?.method ?? 'GET').toUpperCase() === 'GET') {
      const headers = new Headers(init?.headers);
      if (!headers.has('mcp-session-id') && !headers.has('last-event-id'))
        return Promise.resolve(new Response(null, { status: 405, headers: { allow: 'POST' } }));
    }
    return fetch(url, init);
  };
}

/**
 * A JSON Schema validator that builds the SDK's Ajv validator on first use. The SDK's `Client`
 * builds one in its constructor (Ajv with its formats: about 0.3 ms of CPU warm, 4 ms the first
 * time in a process), but uses it only for tools that declare an `outputSchema`, which
 * Databricks' managed servers do not.
 */
export function lazyJsonSchemaValidator(): jsonSchemaValidator {
  let validator: jsonSchemaValidator | undefined;
  return {
    getValidator(schema) {
      validator ??= new AjvJsonSchemaValidator();
      return validator.getValidator(schema);
    },
  };
}
