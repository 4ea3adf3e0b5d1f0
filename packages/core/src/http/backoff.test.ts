import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  abortableSleep,
  computeBackoffMs,
  DEFAULT_RETRY,
  retryDelayMs,
  retryWithBackoff,
} from './backoff.js';

describe('computeBackoffMs', () => {
  it('draws uniformly below an exponential ceiling: the random source decides the delay', () => {
    const options = { initialDelayMs: 1_000, maxDelayMs: 15_000 };
    // Without jitter every one of these would be the ceiling (1 s, 2 s, 4 s).
    expect(computeBackoffMs(0, options, () => 0.25)).toBe(250);
    expect(computeBackoffMs(1, options, () => 0.25)).toBe(500);
    expect(computeBackoffMs(2, options, () => 0.75)).toBe(3_000);
    expect(computeBackoffMs(2, options, () => 0)).toBe(0);
  });

  it('stays below min(maxDelayMs, initialDelayMs * 2^retry) for any random draw and retry', () => {
    const options = { initialDelayMs: 300, maxDelayMs: 20_000 };
    for (let retry = 0; retry < 64; retry++) {
      const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** retry);
      for (const draw of [0, 0.1, 0.5, 0.9, 0.999_999]) {
        const delay = computeBackoffMs(retry, options, () => draw);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it("takes core's delays for the options left out", () => {
    expect(computeBackoffMs(0, {}, () => 0.5)).toBe(DEFAULT_RETRY.initialDelayMs / 2);
    expect(computeBackoffMs(30, undefined, () => 0.5)).toBe(DEFAULT_RETRY.maxDelayMs / 2);
  });

  it('uses Math.random by default, so two clients failing together do not retry in lockstep', () => {
    const random = vi.spyOn(Math, 'random').mockReturnValueOnce(0.1).mockReturnValueOnce(0.9);
    try {
      const first = computeBackoffMs(3, { initialDelayMs: 1_000, maxDelayMs: 60_000 });
      const second = computeBackoffMs(3, { initialDelayMs: 1_000, maxDelayMs: 60_000 });
      expect([first, second]).toEqual([800, 7_200]);
    } finally {
      random.mockRestore();
    }
  });
});

describe('retryDelayMs', () => {
  const options = { initialDelayMs: 1_000, maxDelayMs: 20_000 };

  it("uses the server's Retry-After when there is one, capped at maxDelayMs", () => {
    expect(retryDelayMs(0, 3_000, options, () => 0.5)).toBe(3_000);
    expect(retryDelayMs(5, 0, options, () => 0.5)).toBe(0);
    expect(retryDelayMs(0, 600_000, options, () => 0.5)).toBe(20_000);
  });

  it('falls back to the jittered backoff', () => {
    expect(retryDelayMs(2, undefined, options, () => 0.5)).toBe(2_000);
    expect(retryDelayMs(9, undefined, options, () => 0.999)).toBe(19_980);
  });
});

describe('abortableSleep (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the delay and not before', async () => {
    let done = false;
    const sleeping = abortableSleep(1_500).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(1_499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
  });

  it('rejects with the abort reason at once and leaves no timer behind', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(60_000, controller.signal);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects without waiting when the signal is already aborted', async () => {
    await expect(abortableSleep(1_000, AbortSignal.abort('gone'))).rejects.toBe('gone');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('retryWithBackoff', () => {
  /** A clock that only moves when the loop sleeps: every wait is recorded, none is real. */
  function fakeClock() {
    let now = 0;
    const waits: number[] = [];
    return {
      waits,
      now: () => now,
      sleep: async (ms: number, signal?: AbortSignal) => {
        signal?.throwIfAborted();
        waits.push(ms);
        now += ms;
      },
    };
  }

  const failing = (errors: unknown[], value = 'done') => {
    let calls = 0;
    const attempt = async (attemptNumber: number) => {
      calls++;
      expect(attemptNumber).toBe(calls);
      if (calls <= errors.length) throw errors[calls - 1];
      return value;
    };
    return { attempt, calls: () => calls };
  };

  it("retries until success, waiting core's full-jitter backoff between attempts", async () => {
    const clock = fakeClock();
    const { attempt, calls } = failing([new Error('a'), new Error('b'), new Error('c')]);
    const result = await retryWithBackoff(attempt, {
      ...clock,
      initialDelayMs: 1_000,
      maxDelayMs: 10_000,
      random: () => 0.5,
      shouldRetry: () => ({}),
    });
    expect(result).toBe('done');
    expect(calls()).toBe(4);
    expect(clock.waits).toEqual([500, 1_000, 2_000]);
  });

  it("waits the server's Retry-After when the decision carries one, capped at maxDelayMs", async () => {
    const clock = fakeClock();
    const { attempt } = failing([new Error('a'), new Error('b')]);
    let decisions = 0;
    await retryWithBackoff(attempt, {
      ...clock,
      maxDelayMs: 5_000,
      shouldRetry: () => ({ retryAfterMs: decisions++ === 0 ? 2_000 : 60_000 }),
    });
    expect(clock.waits).toEqual([2_000, 5_000]);
  });

  it('stops at maxAttempts with the last failure, having asked about every failure', async () => {
    const clock = fakeClock();
    const errors = [new Error('1'), new Error('2'), new Error('3')];
    const { attempt, calls } = failing(errors);
    const asked: unknown[] = [];
    const outcome = retryWithBackoff(attempt, {
      ...clock,
      maxAttempts: 3,
      shouldRetry: (error) => {
        asked.push(error);
        return {};
      },
    });
    await expect(outcome).rejects.toBe(errors[2]);
    expect(calls()).toBe(3);
    expect(asked).toEqual(errors);
  });

  it('stops when the decision is false, or with what the decision throws', async () => {
    const first = failing([new Error('final')]);
    await expect(
      retryWithBackoff(first.attempt, { ...fakeClock(), shouldRetry: () => false }),
    ).rejects.toThrow('final');
    expect(first.calls()).toBe(1);

    const second = failing([new Error('raw')]);
    const clearer = new Error('clearer');
    await expect(
      retryWithBackoff(second.attempt, {
        ...fakeClock(),
        shouldRetry: () => {
          throw clearer;
        },
      }),
    ).rejects.toBe(clearer);
  });

  it('never starts a wait that would end past the deadline: an outage longer than the budget fails in time', async () => {
    const clock = fakeClock();
    const outage = Array.from({ length: 100 }, (_, i) => new Error(`503 #${i}`));
    const { attempt, calls } = failing(outage);
    const outcome = retryWithBackoff(attempt, {
      ...clock,
      maxAttempts: 100,
      initialDelayMs: 1_000,
      maxDelayMs: 8_000,
      totalTimeoutMs: 30_000,
      random: () => 0.999,
      shouldRetry: () => ({}),
    });
    await expect(outcome).rejects.toThrow('503');
    const waited = clock.waits.reduce((sum, wait) => sum + wait, 0);
    expect(waited).toBeLessThanOrEqual(30_000);
    // The next wait (up to 8 s) would have crossed the deadline.
    expect(waited).toBeGreaterThan(30_000 - 8_000);
    expect(calls()).toBe(clock.waits.length + 1);
  });

  it('rides out an outage shorter than the budget: retries keep coming until it ends', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await retryWithBackoff(
      async () => {
        calls++;
        if (clock.now() < 10_000) throw new Error('503 during the outage');
        return 'recovered';
      },
      {
        ...clock,
        maxAttempts: 12,
        initialDelayMs: 500,
        maxDelayMs: 30_000,
        totalTimeoutMs: 120_000,
        random: () => 0.3,
        shouldRetry: () => ({}),
      },
    );
    expect(result).toBe('recovered');
    expect(clock.now()).toBeGreaterThanOrEqual(10_000);
    expect(calls).toBe(clock.waits.length + 1);
  });

  it('an abort stops the loop during a wait, with the abort reason, and is never retried', async () => {
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const { attempt, calls } = failing([new Error('a'), new Error('b')]);
    const outcome = retryWithBackoff(attempt, {
      signal: controller.signal,
      shouldRetry: () => ({}),
      sleep: (ms, signal) => {
        controller.abort(reason);
        return abortableSleep(ms, signal);
      },
    });
    await expect(outcome).rejects.toBe(reason);
    expect(calls()).toBe(1);

    const aborted = failing([new Error('x')]);
    let asked = 0;
    await expect(
      retryWithBackoff(
        async (n) => {
          if (n === 1) controller.signal.throwIfAborted();
          return aborted.attempt(n);
        },
        {
          signal: controller.signal,
          shouldRetry: () => {
            asked++;
            return {};
          },
        },
      ),
    ).rejects.toBe(reason);
    expect(asked).toBe(0);
  });
});
