/** The fault injector's rules on a fake clock: time windows (outages), counts, `times`. */
import { describe, expect, it } from 'vitest';
import { createFaultInjector } from './faults.js';

function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('window rules', () => {
  it('an outage refuses every matching request inside its window, and none outside it', async () => {
    const clock = fakeClock();
    const faults = createFaultInjector({ now: clock.now });
    faults.setRules([
      { route: 'thrift', rate503: 1, window: { startMs: 5_000, durationMs: 10_000 } },
    ]);
    const at = async (ms: number) => {
      clock.advance(ms);
      return (await faults.before('thrift', '/sql/1.0/warehouses/w')).kind;
    };
    expect(await at(0)).toBe('none');
    expect(await at(4_999)).toBe('none');
    expect(await at(1)).toBe('status'); // 5 s: the outage starts
    // Other routes are not affected.
    expect((await faults.before('serving-invocations', '/serving-endpoints/x')).kind).toBe('none');
    expect(await at(9_999)).toBe('status'); // 14.999 s: still down
    expect(await at(1)).toBe('none'); // 15 s: back
  });

  it('the window is measured from setRules: an outage can start in the middle of a run', async () => {
    const clock = fakeClock();
    const faults = createFaultInjector({
      now: clock.now,
      rules: [{ route: 'thrift', rate503: 1, window: { durationMs: 1_000 } }],
    });
    expect((await faults.before('thrift', '/')).kind).toBe('status');
    clock.advance(60_000);
    expect((await faults.before('thrift', '/')).kind).toBe('none');
    faults.setRules([{ route: 'thrift', rate503: 1, window: { durationMs: 1_000 } }]);
    expect(await faults.before('thrift', '/')).toEqual({
      kind: 'status',
      status: 503,
      retryAfterSeconds: undefined,
    });
    clock.advance(1_000);
    expect((await faults.before('thrift', '/')).kind).toBe('none');
  });

  it('window rules combine with the others: transient faults keep going around an outage', async () => {
    const clock = fakeClock();
    const faults = createFaultInjector({ now: clock.now, seed: 7 });
    faults.setRules([
      { route: 'serving-invocations', rate503: 1, window: { startMs: 100, durationMs: 100 } },
      { route: 'serving-invocations', resetRate: 0.5 },
    ]);
    const kinds = async (n: number) => {
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) seen.add((await faults.before('serving-invocations', '/')).kind);
      return seen;
    };
    expect(await kinds(50)).toEqual(new Set(['none', 'reset']));
    clock.advance(150);
    // Inside the window the outage rule, listed first, refuses everything.
    const during = await kinds(50);
    expect(during).toEqual(new Set(['status']));
    clock.advance(100);
    expect(await kinds(50)).toEqual(new Set(['none', 'reset']));
    expect(faults.counts()['serving-invocations']).toBe(150);
  });
});
