/**
 * Contracts between the parts of the local workspace. One HTTPS listener (`server.ts`) routes
 * Thrift POSTs to the SQL warehouse (`warehouse/`) and everything else to the REST router
 * (`rest/`: serving endpoints, driver proxy, OAuth). Both check bearer tokens against one
 * `TokenRegistry` (`oauth/`), and both consult the same `FaultInjector` (`faults.ts`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

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
}

export interface FaultOptions {
  rules?: FaultRule[];
  /** Seed for the fault RNG; the same seed gives the same sequence of faults. */
  seed?: number;
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

/** Bearer tokens the workspace accepts: the PAT(s) and OAuth access tokens it issued. */
export interface TokenRegistry {
  /** Returns 'valid', 'expired' or 'invalid' for an `Authorization` header value. */
  verify(authorizationHeader: string | undefined): 'valid' | 'expired' | 'invalid';
  /** Issue an OAuth access token for a service principal; lifetime in seconds. */
  issue(clientId: string, lifetimeSeconds: number): { token: string; expiresIn: number };
  /** Number of tokens issued by the token endpoint so far (for single-flight assertions). */
  readonly issuedCount: number;
}

/** Routes a REST request. Returns false when the path is not a REST route (the server 404s). */
export type RestHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  context: { route: string; path: string },
) => Promise<boolean>;
