import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { abortableSleep, computeBackoffMs, DEFAULT_RETRY, retryDelayMs } from './backoff.js';

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
