/**
 * One `beforeExit` listener for every buffering object in this package, so a process that ends
 * normally (the event loop runs dry) still sends what it buffered. Starting a flush schedules I/O,
 * so Node keeps running and emits `beforeExit` again afterwards, when nothing is pending and the
 * process exits. Not emitted on `process.exit()` or signals: call `flush()`/`shutdown()` there.
 */
export interface Flushable {
  hasPendingWork(): boolean;
  flush(): Promise<unknown>;
  /** Gives up on what is still pending (the process is exiting): count it and warn. */
  abandon?(): void;
}

const flushables = new Map<Flushable, number>();
/** A target whose server stays unreachable would otherwise be re-flushed on every `beforeExit`. */
const MAX_EXIT_FLUSHES = 3;
let installed = false;

export function flushOnExit(target: Flushable): () => void {
  flushables.set(target, 0);
  if (!installed && typeof process !== 'undefined' && typeof process.on === 'function') {
    installed = true;
    process.on('beforeExit', () => {
      for (const [f, attempts] of flushables) {
        if (!f.hasPendingWork()) continue;
        if (attempts >= MAX_EXIT_FLUSHES) {
          f.abandon?.();
          flushables.delete(f);
          continue;
        }
        flushables.set(f, attempts + 1);
        void f.flush().catch(() => undefined);
      }
    });
  }
  return () => {
    flushables.delete(target);
  };
}
