/**
 * One `beforeExit` listener for every buffering object in this package, so a process that ends
 * normally (the event loop runs dry) still sends what it buffered. Starting a flush schedules I/O,
 * so Node keeps running and emits `beforeExit` again afterwards, when nothing is pending and the
 * process exits. Not emitted on `process.exit()` or signals: call `flush()`/`close()` there.
 *
 * The hook holds its targets weakly. An application that creates a tracer per request and drops
 * it must not find every tracer (and its connection pool) kept alive by this list. Nothing
 * pending is lost that way: an object with unsent data keeps itself alive with its own timer or
 * the promise of its running flush, and only becomes collectable once it has nothing to send.
 */
export interface Flushable {
  hasPendingWork(): boolean;
  flush(): Promise<unknown>;
  /** Gives up on what is still pending (the process is exiting): count it and warn. */
  abandon?(): void;
}

interface Entry {
  target: WeakRef<Flushable>;
  /** Exit flushes started for this target; bounded by MAX_EXIT_FLUSHES. */
  exitFlushes: number;
}

/** Registered targets, each held only through its WeakRef. */
const entries = new Set<Entry>();
/** Drops the entry of a target that was collected without unregistering. */
const collected = new FinalizationRegistry<Entry>((entry) => {
  entries.delete(entry);
});
/** A target whose server stays unreachable would otherwise be re-flushed on every `beforeExit`. */
const MAX_EXIT_FLUSHES = 3;
let installed = false;

function onBeforeExit(): void {
  for (const entry of entries) {
    const target = entry.target.deref();
    if (!target) {
      entries.delete(entry);
      continue;
    }
    if (!target.hasPendingWork()) continue;
    if (entry.exitFlushes >= MAX_EXIT_FLUSHES) {
      target.abandon?.();
      entries.delete(entry);
      collected.unregister(entry);
      continue;
    }
    entry.exitFlushes += 1;
    void target.flush().catch(() => undefined);
  }
}

/** Registers `target`; returns the function that unregisters it (idempotent). */
export function flushOnExit(target: Flushable): () => void {
  const entry: Entry = { target: new WeakRef(target), exitFlushes: 0 };
  entries.add(entry);
  // The entry is the unregister token: the registry must not hold the target itself.
  collected.register(target, entry, entry);
  if (!installed && typeof process !== 'undefined' && typeof process.on === 'function') {
    installed = true;
    process.on('beforeExit', onBeforeExit);
  }
  return () => {
    entries.delete(entry);
    collected.unregister(entry);
  };
}

/** How many targets are registered (tests: nothing is kept after close or collection). */
export function registeredForExit(): number {
  return entries.size;
}
