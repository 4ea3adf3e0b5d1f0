import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { readTrace } from './testing/read_back.js';

const url = inject('mlflowUrl');

describe('process exit', () => {
  it('a script that ends without flush() still exports its trace (beforeExit hook, built package)', async () => {
    const script = join(import.meta.dirname, 'testing', 'fixtures', 'exit_app.mjs');
    const traceId = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [script, url],
        { timeout: 60_000, env: { ...process.env, MLFLOW_TRACKING_URI: '' } },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim()),
      );
    });
    expect(traceId).toMatch(/^tr-/);
    const trace = await readTrace(url, traceId);
    expect(trace.spans.map((s) => s.name)).toEqual(['ExitChain']);
  });
});
