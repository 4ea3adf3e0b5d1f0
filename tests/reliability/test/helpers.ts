/** Shared fixtures of the reliability suite. Everything goes through public package APIs. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import {
  echoChat,
  type LocalWorkspace,
  type LocalWorkspaceOptions,
  scriptedChat,
  scriptedCompletions,
  scriptedEmbeddings,
  startLocalWorkspace,
} from '@lakechain/local-workspace';

export const CHAT = 'chat';
export const COMPLETIONS = 'completions';
export const EMBEDDINGS = 'embeddings';

/** A workspace with one chat, one completions and one embeddings endpoint and no sample data. */
export function startWorkspace(options: LocalWorkspaceOptions = {}): Promise<LocalWorkspace> {
  return startLocalWorkspace({
    samples: false,
    servingEndpoints: [
      {
        name: CHAT,
        task: 'llm/v1/chat',
        handler: scriptedChat((messages) => {
          const last = messages.at(-1);
          const text = typeof last?.content === 'string' ? last.content : 'hi';
          return `You said: ${text}. That is a complete answer with several words in it.`;
        }),
      },
      { name: 'echo', task: 'llm/v1/chat', handler: echoChat() },
      {
        name: COMPLETIONS,
        task: 'llm/v1/completions',
        handler: scriptedCompletions((prompt) => `${prompt} ... and so on`),
      },
      {
        name: EMBEDDINGS,
        task: 'llm/v1/embeddings',
        handler: scriptedEmbeddings({ dimensions: 8 }),
      },
    ],
    ...options,
  });
}

/** A throwaway self-signed certificate for 127.0.0.1 (openssl CLI; nothing kept on disk). */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lakechain-rel-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=reliability-forwarder',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A TLS-terminating forwarder in front of a workspace (its own certificate: `caCert`).
 * `switchTo(workspace)` sends new connections to another workspace and closes the current ones:
 * to the client it looks like the warehouse restarted and forgot every session.
 */
export async function startForwarder(first: { port: number; caCert: string }) {
  let target = first;
  const { key, cert } = selfSignedCert();
  const sockets = new Set<Socket>();
  const server = createTlsServer({ key, cert }, (client) => {
    const upstream = tlsConnect({
      host: '127.0.0.1',
      port: target.port,
      ca: target.caCert,
      servername: 'localhost',
    });
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    caCert: cert,
    switchTo(next: { port: number; caCert: string }) {
      target = next;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
