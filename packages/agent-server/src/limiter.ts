/**
 * Bounded concurrency: at most `maxConcurrency` requests run the agent at once, at most
 * `maxQueue` wait for a slot (first come, first served), and the rest are refused at once with
 * 429 and `Retry-After`, which Databricks' clients retry. A waiting request whose client goes
 * away leaves the queue.
 */
import { AgentServerError } from './errors.js';

export class Limiter {
  readonly maxConcurrency: number;
  readonly maxQueue: number;
  #running = 0;
  readonly #waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(maxConcurrency: number, maxQueue: number) {
    this.maxConcurrency = maxConcurrency;
    this.maxQueue = maxQueue;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /** Waits for a slot; returns the function that gives it back (call it once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#running < this.maxConcurrency && this.#waiting.length === 0) {
      this.#running++;
      return this.#releaser();
    }
    if (this.#waiting.length >= this.maxQueue)
      throw new AgentServerError(
        `The agent is busy (${this.#running} requests running, ${this.#waiting.length} waiting): retry shortly.`,
        { kind: 'overloaded' },
      );
    await new Promise<void>((resolve, reject) => {
      const entry = { resolve, reject };
      this.#waiting.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.#waiting.indexOf(entry);
          if (index >= 0) {
            this.#waiting.splice(index, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next)
        next.resolve(); // the slot passes on: `running` stays the same
      else this.#running--;
    };
  }
}
