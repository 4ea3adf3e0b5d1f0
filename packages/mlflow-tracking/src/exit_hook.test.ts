/**
 * The exit hook holds what it flushes weakly: objects an application drops (a tracer or handler
 * per request) are collected, and their entries go with them. Needs `--expose-gc`, which
 * vitest.config.ts passes to the test processes.
 */
import { describe, expect, it } from 'vitest';
import { MlflowCallbackHandler } from './callback_handler.js';
import { flushOnExit, registeredForExit } from './exit_hook.js';
import { MlflowTracer } from './tracer.js';

function requireGc(): () => void {
  const gc = globalThis.gc;
  if (!gc) {
    throw new Error(
      'global.gc is missing: run the tests with --expose-gc (vitest.config.ts passes it through ' +
        'poolOptions.forks.execArgv; `npx vitest run` in packages/mlflow-tracking does).',
    );
  }
  return gc;
}

const nextTask = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Collects until `done()` or 20 rounds. Each collection runs in a task of its own: `deref()` keeps
 * a target alive until the end of the task it was called in, and finalizers run in a later task.
 */
async function collectUntil(done: () => boolean): Promise<void> {
  const gc = requireGc();
  for (let round = 0; round < 20; round++) {
    await nextTask();
    gc();
    await nextTask();
    if (done()) return;
  }
}

/**
 * Creates objects in a frame that returns before collection, so no suspended async frame holds
 * the last one; returns only weak references to them.
 */
function createDropped(count: number, create: () => object): WeakRef<object>[] {
  const refs: WeakRef<object>[] = [];
  for (let index = 0; index < count; index++) refs.push(new WeakRef(create()));
  return refs;
}

const idle = () => ({ hasPendingWork: () => false, flush: async () => undefined });

describe('flushOnExit', () => {
  it('unregistering removes the entry at once', () => {
    const before = registeredForExit();
    const unregister = flushOnExit(idle());
    expect(registeredForExit()).toBe(before + 1);
    unregister();
    unregister();
    expect(registeredForExit()).toBe(before);
  });

  it('keeps no target alive: 1,000 dropped targets are collected and their entries removed', async () => {
    const before = registeredForExit();
    const refs = createDropped(1_000, () => {
      const target = idle();
      flushOnExit(target);
      return target;
    });
    expect(registeredForExit()).toBe(before + 1_000);
    await collectUntil(() => registeredForExit() === before);
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(registeredForExit()).toBe(before);
  });

  it('a tracer or callback handler dropped without close() is collected (nothing pending)', async () => {
    const options = { trackingUri: 'http://127.0.0.1:9', experimentId: '1', warn: () => {} };
    const refs = [
      ...createDropped(50, () => new MlflowTracer(options)),
      ...createDropped(50, () => new MlflowCallbackHandler(options)),
    ];
    await collectUntil(() => refs.every((ref) => ref.deref() === undefined));
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
  });
});
