/**
 * The models' caller on a fake clock: LangChain's AsyncCaller contract (maxRetries,
 * onFailedAttempt, maxConcurrency, signal) with core's backoff and a deadline. Nothing waits in
 * real time.
 */
import { describe, expect, it } from 'vitest';
import {
  type CallerInternals,
  DatabricksCaller,
  DEFAULT_MODEL_MAX_RETRIES,
  MODEL_RETRY_DEADLINE_MS,
} from './caller.js';
import { DatabricksServingError } from './errors.js';

/** A clock that moves only when the caller waits; every wait is recorded. */
function fakeClock(draw = 0.5): CallerInternals & { waits: number[]; elapsed: () => number } {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    elapsed: () => now,
    now: () => now,
    random: () => draw,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      waits.push(ms);
      now += ms;
    },
  };
}

const transient = (extra: { retryAfterMs?: number } = {}) =>
  new DatabricksServingError('HTTP 503', {
    kind: 'http',
    endpoint: 'chat',
    statusCode: 503,
    retryable: true,
    ...extra,
  });

/** Fails with `errors` in turn, then answers. */
function flaky(errors: unknown[]) {
  let calls = 0;
  const call = async () => {
    calls++;
    if (calls <= errors.length) throw errors[calls - 1];
    return 'answer';
  };
  return { call, calls: () => calls };
}

describe('DatabricksCaller', () => {
  it("retries what the serving layer marked retryable, waiting core's full-jitter backoff from 500 ms", async () => {
    const clock = fakeClock(0.5);
    const caller = new DatabricksCaller({ maxRetries: 4 }, clock);
    const { call, calls } = flaky([transient(), transient(), transient()]);
    await expect(caller.call(call)).resolves.toBe('answer');
    expect(calls()).toBe(4);
    // Half of 500 ms, 1 s, 2 s: LangChain's p-retry would have waited 1-2 s, 2-4 s, 4-8 s.
    expect(clock.waits).toEqual([250, 500, 1_000]);
  });

  it("waits the endpoint's Retry-After instead, capped at 30 s", async () => {
    const clock = fakeClock();
    const caller = new DatabricksCaller({ maxRetries: 2 }, clock);
    const { call } = flaky([
      transient({ retryAfterMs: 2_000 }),
      transient({ retryAfterMs: 45_000 }),
    ]);
    await caller.call(call);
    expect(clock.waits).toEqual([2_000, 30_000]);
  });

  it('does not retry what is not retryable, and stops at maxRetries', async () => {
    const final = new DatabricksServingError('HTTP 400', {
      kind: 'http',
      endpoint: 'chat',
      statusCode: 400,
    });
    const once = flaky([final]);
    await expect(new DatabricksCaller({}, fakeClock()).call(once.call)).rejects.toBe(final);
    expect(once.calls()).toBe(1);

    const storm = flaky(Array.from({ length: 10 }, () => transient()));
    await expect(
      new DatabricksCaller({ maxRetries: 2 }, fakeClock()).call(storm.call),
    ).rejects.toMatchObject({ statusCode: 503 });
    expect(storm.calls()).toBe(3);
  });

  it('a per-call maxRetries wins over the instance (LangChain callWithOptions)', async () => {
    const storm = flaky(Array.from({ length: 10 }, () => transient()));
    const caller = new DatabricksCaller({ maxRetries: 5 }, fakeClock());
    await expect(caller.callWithOptions({ maxRetries: 0 }, storm.call)).rejects.toBeDefined();
    expect(storm.calls()).toBe(1);
  });

  it('by default retries up to 10 times within a 2-minute deadline: a 10-second outage is ridden out', async () => {
    expect(DEFAULT_MODEL_MAX_RETRIES).toBe(10);
    // Low draws are the worst case for an outage: the retries come back early.
    const clock = fakeClock(0.1);
    const caller = new DatabricksCaller({}, clock);
    let calls = 0;
    const answer = await caller.call(async () => {
      calls++;
      if (clock.elapsed() < 10_000) throw transient();
      return 'after the outage';
    });
    expect(answer).toBe('after the outage');
    expect(calls).toBeLessThanOrEqual(DEFAULT_MODEL_MAX_RETRIES + 1);
  });

  it('never starts a retry past the deadline, however many retries are left', async () => {
    const clock = fakeClock(0.999);
    const caller = new DatabricksCaller({ maxRetries: 1_000 }, clock);
    const { call, calls } = flaky(Array.from({ length: 1_000 }, () => transient()));
    await expect(caller.call(call)).rejects.toMatchObject({ statusCode: 503 });
    expect(clock.elapsed()).toBeLessThanOrEqual(MODEL_RETRY_DEADLINE_MS);
    expect(calls()).toBeLessThan(20);
  });

  it('calls onFailedAttempt with every failure; what it throws ends the call', async () => {
    const seen: unknown[] = [];
    const clearer = new Error('clearer');
    const caller = new DatabricksCaller(
      {
        maxRetries: 5,
        onFailedAttempt: (error) => {
          seen.push(error);
          if (seen.length === 2) throw clearer;
        },
      },
      fakeClock(),
    );
    const errors = [transient(), transient(), transient()];
    await expect(caller.call(flaky(errors).call)).rejects.toBe(clearer);
    expect(seen).toEqual(errors.slice(0, 2));
  });

  it('an abort during a wait ends the call with the abort, without another attempt', async () => {
    const controller = new AbortController();
    const caller = new DatabricksCaller(
      { maxRetries: 5 },
      {
        sleep: async (_ms, signal) => {
          controller.abort(new Error('user cancelled'));
          signal?.throwIfAborted();
        },
      },
    );
    const { call, calls } = flaky([transient(), transient()]);
    await expect(caller.callWithOptions({ signal: controller.signal }, call)).rejects.toThrow(
      'user cancelled',
    );
    expect(calls()).toBe(1);
  });

  it('keeps maxConcurrency, and gives the slot back while waiting to retry', async () => {
    const clock = fakeClock();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const caller = new DatabricksCaller(
      { maxConcurrency: 1, maxRetries: 3 },
      {
        ...clock,
        // The first call's retry waits until the second call has run: it could not, if the
        // waiting call still held the only slot.
        sleep: async () => gate,
      },
    );
    const order: string[] = [];
    let firstCalls = 0;
    const first = caller.call(async () => {
      firstCalls++;
      order.push(`first #${firstCalls}`);
      if (firstCalls === 1) throw transient();
      return 'first';
    });
    const second = caller.call(async () => {
      order.push('second');
      release();
      return 'second';
    });
    await expect(Promise.all([first, second])).resolves.toEqual(['first', 'second']);
    expect(order).toEqual(['first #1', 'second', 'first #2']);
  });
});
