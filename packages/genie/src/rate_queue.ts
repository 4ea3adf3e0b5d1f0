/**
 * Genie allows few questions per minute per workspace (five on the free tier) and answers more
 * with 429 and `Retry-After`. Questions are therefore queued, not failed: within one process, the
 * submissions to one workspace go one at a time, in order, and each waits out 429s inside core's
 * transport (which honours `Retry-After`) until its caller's time budget runs out. Polls and
 * result reads are not questions and never wait in this queue.
 */

const queues = new Map<string, Promise<void>>();

/** Runs `task` after every question submitted before it to the same workspace has been sent. */
export function enqueueQuestion<T>(workspace: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(workspace) ?? Promise.resolve();
  const run = previous.then(task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(workspace, settled);
  void settled.then(() => {
    if (queues.get(workspace) === settled) queues.delete(workspace);
  });
  return run;
}

/** Questions waiting or in flight per workspace (for tests and diagnostics). */
export function pendingQuestionQueues(): number {
  return queues.size;
}
