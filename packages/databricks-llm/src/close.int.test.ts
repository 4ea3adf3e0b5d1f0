/**
 * `close()` releases what a model opened. With `caCert`, each model's `DatabricksClient` owns an
 * undici connection pool whose keep-alive sockets would otherwise outlive the model: 1,000 models
 * (ChatDatabricks, Databricks and DatabricksEmbeddings in turn) against the local workspace (HTTPS
 * with its own CA), each used once and closed, must leave the heap (after `global.gc`, enabled by
 * `--expose-gc` in vitest.config.ts) and the process's active handles where they started.
 *
 * Each model's first request builds a TLS context from Node's root certificates plus `caCert`
 * (tens of milliseconds of CPU in core's transport), which is what bounds this test's duration.
 */
import {
  type LocalWorkspace,
  scriptedChat,
  scriptedCompletions,
  scriptedEmbeddings,
  startLocalWorkspace,
} from '@lakechain/local-workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChatDatabricks,
  Databricks,
  DatabricksEmbeddings,
  DatabricksServingError,
} from './index.js';

const MODELS = 1_000;
/** Heap growth allowed over the 1,000 models: a few KiB each, far below a leaked pool each. */
const HEAP_SLACK_BYTES = 4 * 1024 * 1024;

let ws: LocalWorkspace;
const gc = (globalThis as { gc?: () => void }).gc;

beforeAll(async () => {
  ws = await startLocalWorkspace({
    samples: false,
    servingEndpoints: [
      { name: 'chat', task: 'llm/v1/chat', handler: scriptedChat(() => 'ok') },
      { name: 'completions', task: 'llm/v1/completions', handler: scriptedCompletions(() => 'ok') },
      { name: 'embed', task: 'llm/v1/embeddings', handler: scriptedEmbeddings({ dimensions: 4 }) },
    ],
  });
}, 120_000);

afterAll(async () => {
  await ws?.stop();
});

const auth = () => ({
  host: ws.host,
  token: ws.token,
  caCert: ws.caCert,
  env: {},
  maxRetries: 0,
});

/** Sockets (client and server side) and other handles, without timers, which come and go. */
function handleCount(): number {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => kind !== 'Timeout' && kind !== 'Immediate').length;
}

/** The handle count once sockets closed by the last round have finished closing. */
async function settledHandleCount(): Promise<number> {
  let last = handleCount();
  for (let unchanged = 0; unchanged < 5; ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = handleCount();
    unchanged = now === last ? unchanged + 1 : 0;
    last = now;
  }
  return last;
}

async function collectGarbage(): Promise<void> {
  for (let pass = 0; pass < 4; pass += 1) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function heapUsed(): Promise<number> {
  await collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Creates the `index`-th model (the three classes in turn), uses it once over HTTPS, closes it. */
async function useAndClose(index: number): Promise<void> {
  switch (index % 3) {
    case 0: {
      const chat = new ChatDatabricks({ model: 'chat', ...auth() });
      await chat.invoke('hi');
      await chat.close();
      return;
    }
    case 1: {
      const llm = new Databricks({ model: 'completions', ...auth() });
      await llm.invoke('hi');
      await llm.close();
      return;
    }
    default: {
      const embeddings = new DatabricksEmbeddings({ model: 'embed', ...auth() });
      await embeddings.embedQuery('hi');
      await embeddings.close();
    }
  }
}

describe('close() releases the connection pool made for caCert', () => {
  it('runs with global.gc (vitest.config.ts passes --expose-gc to the test workers)', () => {
    expect(typeof gc).toBe('function');
  });

  it('unclosed models keep sockets open; close() releases them (the measure is sensitive)', async () => {
    for (let index = 0; index < 3; index += 1) await useAndClose(index);
    const before = await settledHandleCount();
    const models = Array.from(
      { length: 5 },
      () => new ChatDatabricks({ model: 'chat', ...auth() }),
    );
    await Promise.all(models.map((model) => model.invoke('hi')));
    // Each model's pool keeps its keep-alive socket (and the server its end of it).
    expect(handleCount()).toBeGreaterThanOrEqual(before + 5);
    await Promise.all(models.map((model) => model.close()));
    await expect.poll(handleCount).toBeLessThanOrEqual(before);
  });

  it(`${MODELS} models created, used and closed: flat heap and flat handle counts`, async () => {
    // Warm-up: module caches, JIT, the workspace's first allocations.
    for (let index = 0; index < 30; index += 1) await useAndClose(index);
    ws.serving.clearRequests();
    const handlesBefore = await settledHandleCount();
    const heapBefore = await heapUsed();

    for (let index = 0; index < MODELS; index += 1) {
      await useAndClose(index);
      // The workspace records every request for assertions: not ours to count.
      if (index % 100 === 99) ws.serving.clearRequests();
    }
    ws.serving.clearRequests();

    await expect.poll(handleCount).toBeLessThanOrEqual(handlesBefore);
    const growth = (await heapUsed()) - heapBefore;
    console.info(
      `[close] ${MODELS} models created and closed: heap ${(growth / 1024).toFixed(0)} KiB, ` +
        `handles ${handlesBefore} → ${handleCount()}`,
    );
    expect(growth).toBeLessThan(HEAP_SLACK_BYTES);
  }, 300_000);

  it('a closed model refuses calls with a typed error; close() is idempotent and async-disposable', async () => {
    const chat = new ChatDatabricks({ model: 'chat', ...auth() });
    await chat.invoke('hi');
    await chat.close();
    await chat.close();
    const error = await chat.invoke('again').catch((caught: unknown) => caught);
    expect(DatabricksServingError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'closed', retryable: false });
    expect((error as Error).message).toBe(
      'ChatDatabricks was closed (close() released its HTTP connections): create a new instance to make more calls',
    );
    const embeddings = new DatabricksEmbeddings({ model: 'embed', ...auth() });
    await embeddings[Symbol.asyncDispose]();
    await expect(embeddings.embedQuery('x')).rejects.toMatchObject({ kind: 'closed' });
    const llm = new Databricks({ model: 'completions', ...auth() });
    await llm[Symbol.asyncDispose]();
    await expect(llm.invoke('x')).rejects.toMatchObject({ kind: 'closed' });
  });
});
