import { setTimeout as sleep } from 'node:timers/promises';

/** A fault or delay applied to requests whose route matches. Deterministic when seeded. */
export interface FaultRule {
  /**
   * Which requests: a route name (`'thrift'`, `'oauth-token'`, `'oidc-discovery'`,
   * `'serving-invocations'`, `'serving-endpoints'`, `'driver-proxy'`, `'scim-me'`, `'mlflow'`,
   * `'mlflow-traces'`, `'uc-registry'`, `'cloud-storage'`) or a path prefix starting with `/`.
   * `'*'` matches everything.
   */
  route: string;
  /** Added latency before the request is handled, in ms. */
  latencyMs?: number;
  /** Fraction (0..1) of requests answered 429 with `Retry-After: retryAfterSeconds`. */
  rate429?: number;
  retryAfterSeconds?: number;
  /** Fraction (0..1) of requests answered 503 TEMPORARILY_UNAVAILABLE. */
  rate503?: number;
  /** Fraction (0..1) of requests whose connection is destroyed before any response. */
  resetRate?: number;
  /** Fraction (0..1) of streamed (SSE) responses cut off halfway (socket destroyed). */
  cutStreamRate?: number;
  /** Apply only to the first N matching requests (e.g. "fail twice then succeed"). */
  times?: number;
  /**
   * Apply only inside a time window, in ms from when the rules were set (`setRules`, or the
   * injector's creation): from `startMs` (default 0) for `durationMs`. With `rate503: 1` it is an
   * outage: `{ route: 'thrift', rate503: 1, window: { durationMs: 10_000 } }` refuses every
   * Thrift call for ten seconds from now.
   */
  window?: { startMs?: number; durationMs: number };
}

export interface FaultOptions {
  rules?: FaultRule[];
  /** Seed for the fault RNG; the same seed gives the same sequence of faults. */
  seed?: number;
  /** The clock of `window` rules (milliseconds). Default `Date.now`; tests pass a fake one. */
  now?: () => number;
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'status'; status: 429 | 503; retryAfterSeconds?: number }
  | { kind: 'reset' };

export interface FaultInjector {
  /** Wait for injected latency, then say what to do with this request. Counts the request. */
  before(route: string, path: string): Promise<FaultDecision>;
  /** Whether a stream on this route should be cut halfway. */
  shouldCutStream(route: string, path: string): boolean;
  /** Requests seen per route name since start (or the last reset). */
  counts(): Record<string, number>;
  resetCounts(): void;
  setRules(rules: FaultRule[]): void;
}

/** mulberry32: a tiny seeded PRNG, so a seeded fault sequence is reproducible run to run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether `elapsed` ms after the rules were set falls inside the rule's window (if it has one). */
function inWindow(rule: FaultRule, elapsed: number): boolean {
  if (!rule.window) return true;
  const start = rule.window.startMs ?? 0;
  return elapsed >= start && elapsed < start + rule.window.durationMs;
}

function matches(rule: FaultRule, route: string, path: string): boolean {
  if (rule.route === '*') return true;
  if (rule.route.startsWith('/')) return path.startsWith(rule.route);
  return rule.route === route;
}

/**
 * Latency and fault injection per route, for reliability tests and benchmarks. Rules are checked
 * in order; every matching rule (inside its time window, if it has one) adds its latency, and the
 * first rule whose dice say "fail" decides the fault. Also counts requests per route (benchmarks
 * report round trips from these counts).
 */
export function createFaultInjector(options: FaultOptions = {}): FaultInjector {
  let rules = [...(options.rules ?? [])];
  const random = seededRandom(options.seed ?? 0x1a4ec4a1);
  const now = options.now ?? Date.now;
  let rulesSetAt = now();
  const applied = new Map<FaultRule, number>();
  const counts: Record<string, number> = {};

  const active = (route: string, path: string) => {
    const elapsed = now() - rulesSetAt;
    return rules.filter((rule) => {
      if (!matches(rule, route, path) || !inWindow(rule, elapsed)) return false;
      return rule.times === undefined || (applied.get(rule) ?? 0) < rule.times;
    });
  };

  const use = (rule: FaultRule) => applied.set(rule, (applied.get(rule) ?? 0) + 1);

  return {
    async before(route, path): Promise<FaultDecision> {
      counts[route] = (counts[route] ?? 0) + 1;
      const matching = active(route, path);
      const latency = matching.reduce((sum, rule) => sum + (rule.latencyMs ?? 0), 0);
      if (latency > 0) await sleep(latency);
      for (const rule of matching) {
        if (rule.resetRate && random() < rule.resetRate) {
          use(rule);
          return { kind: 'reset' };
        }
        if (rule.rate429 && random() < rule.rate429) {
          use(rule);
          return { kind: 'status', status: 429, retryAfterSeconds: rule.retryAfterSeconds ?? 1 };
        }
        if (rule.rate503 && random() < rule.rate503) {
          use(rule);
          return { kind: 'status', status: 503, retryAfterSeconds: rule.retryAfterSeconds };
        }
        // A latency-only rule counts towards `times` here; a rule that also cuts streams counts
        // only when it cuts (in shouldCutStream), so `times` means "cut N streams".
        if (
          rule.latencyMs &&
          !rule.rate429 &&
          !rule.rate503 &&
          !rule.resetRate &&
          !rule.cutStreamRate
        )
          use(rule);
      }
      return { kind: 'none' };
    },
    shouldCutStream(route, path) {
      for (const rule of active(route, path)) {
        if (rule.cutStreamRate && random() < rule.cutStreamRate) {
          use(rule);
          return true;
        }
      }
      return false;
    },
    counts: () => ({ ...counts }),
    resetCounts() {
      for (const key of Object.keys(counts)) delete counts[key];
    },
    setRules(next) {
      rules = [...next];
      rulesSetAt = now();
      applied.clear();
    },
  };
}
