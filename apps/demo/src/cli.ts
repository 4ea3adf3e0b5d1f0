#!/usr/bin/env node
/** Entry point: wires the process (streams, env, Ctrl-C) to `main()`. */
import { main } from './main.js';

const controller = new AbortController();
let interrupted = 0;
process.on('SIGINT', () => {
  interrupted++;
  if (interrupted > 1) {
    process.stderr.write('\nForced exit.\n');
    process.exit(130);
  }
  // The first Ctrl-C cancels the running statement (the signal reaches the warehouse and the
  // serving request); main() then closes everything and returns.
  controller.abort(new DOMException('Cancelled by Ctrl-C', 'AbortError'));
  process.stdin.pause();
});
process.on('SIGTERM', () => controller.abort(new DOMException('Terminated', 'AbortError')));

const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
// Native handles (the model, DuckDB) are closed by main(); do not wait for stray timers.
setTimeout(() => process.exit(code), 200).unref();
