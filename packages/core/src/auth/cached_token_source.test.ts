import { describe, expect, it } from 'vitest';
import { CachedTokenSource, type Token } from './cached_token_source.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CachedTokenSource', () => {
  it('refreshes before expiry (40 s ahead), not after', async () => {
    let clock = 1_000_000;
    let calls = 0;
    const source = new CachedTokenSource(
      async () => {
        calls += 1;
        return { accessToken: `t${calls}`, expiresAt: new Date(clock + 3_600_000) };
      },
      { now: () => clock },
    );
    expect((await source.getToken()).accessToken).toBe('t1');
    clock += 3_600_000 - 40_001; // 40.001 s before expiry: still fresh
    expect((await source.getToken()).accessToken).toBe('t1');
    clock += 2; // 39.999 s before expiry: inside the skew, refresh now
    expect((await source.getToken()).accessToken).toBe('t2');
    expect(calls).toBe(2);
  });

  it('shares one in-flight refresh between concurrent callers', async () => {
    const pending = deferred<Token>();
    let calls = 0;
    const source = new CachedTokenSource(() => {
      calls += 1;
      return pending.promise;
    });
    const waiters = Array.from({ length: 50 }, () => source.getToken());
    pending.resolve({ accessToken: 'shared' });
    const tokens = await Promise.all(waiters);
    expect(calls).toBe(1);
    expect(new Set(tokens.map((token) => token.accessToken))).toEqual(new Set(['shared']));
  });

  it('rejects all waiters of a failed refresh and retries on the next call', async () => {
    let calls = 0;
    const first = deferred<Token>();
    const source = new CachedTokenSource(() => {
      calls += 1;
      return calls === 1 ? first.promise : Promise.resolve({ accessToken: 'second' });
    });
    const waiters = [source.getToken(), source.getToken(), source.getToken()];
    first.reject(new Error('boom'));
    const results = await Promise.allSettled(waiters);
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect(calls).toBe(1);
    expect((await source.getToken()).accessToken).toBe('second');
    expect(calls).toBe(2);
  });

  it('forceRefresh drops the cached token and passes the previous one along', async () => {
    const previous: Array<string | undefined> = [];
    let calls = 0;
    const source = new CachedTokenSource(async ({ previous: old }) => {
      previous.push(old?.refreshToken);
      calls += 1;
      return { accessToken: `t${calls}`, refreshToken: `r${calls}` };
    });
    expect((await source.getToken()).accessToken).toBe('t1');
    expect((await source.getToken()).accessToken).toBe('t1');
    expect((await source.getToken({ forceRefresh: true })).accessToken).toBe('t2');
    expect(previous).toEqual([undefined, 'r1']);
  });

  it("one caller's abort does not cancel the shared refresh", async () => {
    const pending = deferred<Token>();
    const source = new CachedTokenSource(() => pending.promise);
    const controller = new AbortController();
    const aborted = source.getToken({ signal: controller.signal });
    const other = source.getToken();
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    pending.resolve({ accessToken: 'ok' });
    expect((await other).accessToken).toBe('ok');
  });

  it('does not reuse tokens without expiry when told not to', async () => {
    let calls = 0;
    const source = new CachedTokenSource(
      async () => {
        calls += 1;
        return { accessToken: `t${calls}` };
      },
      { cacheWithoutExpiry: false },
    );
    await source.getToken();
    await source.getToken();
    expect(calls).toBe(2);
  });
});
