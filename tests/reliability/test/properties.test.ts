/**
 * Property-based tests (fast-check) for the bad-input surfaces of @lakechain/core: the config-file
 * parser (through `resolveConfig`), host normalisation and the SSE parser.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DatabricksConfigError,
  LakechainError,
  normalizeHost,
  parseSseStream,
  resolveConfig,
  type SseEvent,
} from '@lakechain/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'lakechain-rel-props-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function writeConfig(text: string): string {
  const path = join(dir, `cfg-${fileNo++}`);
  writeFileSync(path, text);
  return path;
}

/** No network, ever: a property run must not reach a generated host. */
const noFetch = async () => {
  throw new Error('network disabled in property tests');
};

// ---------- the config file ----------

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/);
const hostname = fc
  .tuple(
    fc.array(label, { minLength: 1, maxLength: 3 }),
    fc.constantFrom(
      'azuredatabricks.net',
      'cloud.databricks.com',
      'gcp.databricks.com',
      'example.org',
    ),
  )
  .map(([labels, suffix]) => [...labels, suffix].join('.'));
const profileName = fc.stringMatching(/^[A-Za-z0-9_.-]{1,16}$/);
const secretish = fc.stringMatching(/^[A-Za-z0-9_.=+/#;:-]{1,40}$/);

interface Profile {
  host: string;
  token: string;
  warehouse_id: string;
}

const profiles = fc.uniqueArray(
  fc.record({
    name: profileName,
    host: hostname,
    token: secretish.map((s) => `dapi${s}`),
    warehouse_id: fc.stringMatching(/^[0-9a-f]{16}$/),
  }),
  { minLength: 1, maxLength: 5, selector: (p) => p.name },
);

const layout = fc.record({
  eol: fc.constantFrom('\n', '\r\n'),
  bom: fc.boolean(),
  delimiter: fc.constantFrom(' = ', '=', ' =', '= ', ': ', ':'),
  quote: fc.constantFrom('', '"', "'"),
  indent: fc.constantFrom('', ' ', '\t'),
  upperKeys: fc.boolean(),
  comments: fc.boolean(),
});

type Layout = typeof layout extends fc.Arbitrary<infer T> ? T : never;

function render(list: (Profile & { name: string })[], l: Layout): string {
  const lines: string[] = [];
  if (l.comments) lines.push('# written by a property test', '; another comment', '');
  for (const p of list) {
    lines.push(`${l.indent}[${p.name}]${l.comments ? ' # section comment' : ''}`);
    for (const key of ['host', 'token', 'warehouse_id'] as const) {
      const k = l.upperKeys ? key.toUpperCase() : key;
      // A bare value ending in ` #...` would be an inline comment; quote such values.
      const q = l.quote || (/[#;:=]/.test(p[key]) ? '"' : '');
      lines.push(`${l.indent}${k}${l.delimiter}${q}${p[key]}${q}`);
    }
    if (l.comments) lines.push('');
  }
  return (l.bom ? '\uFEFF' : '') + lines.join(l.eol) + l.eol;
}

describe('config file parser (through resolveConfig)', () => {
  it('round-trips generated valid files: every profile resolves to its own values', async () => {
    await fc.assert(
      fc.asyncProperty(profiles, layout, async (list, l) => {
        const configFile = writeConfig(render(list, l));
        for (const p of list) {
          const config = await resolveConfig({
            configFile,
            profile: p.name,
            env: {},
            homeDir: dir,
            fetch: noFetch,
          });
          expect(config.host).toBe(`https://${p.host}`);
          expect(config.warehouseId).toBe(p.warehouse_id);
          expect(config.authType).toBe('pat');
          const headers = await config.getAuthHeaders();
          expect(headers.Authorization ?? headers.authorization).toBe(`Bearer ${p.token}`);
        }
      }),
      { numRuns: 150, seed: 9 },
    );
  });

  const junkLine = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(
      '[',
      ']',
      '[]',
      '[ ]',
      '[a',
      'a]',
      '=',
      '= x',
      'key',
      '==',
      ':',
      '"',
      "'",
      '\\',
      '\0',
      '[DEFAULT',
      'host = ',
      'host = http://',
      'host = http://evil.example',
      'host = ftp://x',
      'host = https://user:pw@x.com',
      'host = :::',
      'token',
      'token = ""',
      'ca_cert_file = /',
      'ca_cert_file = /nonexistent/ca.pem',
      'ca_cert_file = ~',
      'warehouse_id = \t',
      '[DEFAULT]',
      '[other]',
      'host = adb-1.2.azuredatabricks.net',
      'token = dapi123',
    ),
  );
  const junkFile = fc
    .tuple(fc.array(junkLine, { maxLength: 12 }), fc.constantFrom('\n', '\r\n', '\r'))
    .map(([lines, eol]) => lines.join(eol));

  it('arbitrary files: resolveConfig resolves or throws DatabricksConfigError, nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(
        junkFile,
        fc.constantFrom(undefined, 'DEFAULT', 'other'),
        async (text, profile) => {
          const configFile = writeConfig(text);
          try {
            await resolveConfig({ configFile, profile, env: {}, homeDir: dir, fetch: noFetch });
          } catch (error) {
            expect(
              DatabricksConfigError.isInstance(error),
              `threw ${String(error)} for ${JSON.stringify(text)}`,
            ).toBe(true);
            const e = error as DatabricksConfigError;
            if (e.line !== undefined) {
              expect(e.line).toBeGreaterThanOrEqual(1);
              expect(e.message).toContain(`line ${e.line}`);
            }
          }
        },
      ),
      { numRuns: 600, seed: 9 },
    );
  });
});

// ---------- host normalisation ----------

describe('normalizeHost', () => {
  const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
  const suffix = fc.constantFrom(
    '',
    '/',
    '/?o=123',
    '#notebook/1',
    '/?o=1#x',
    '/sql/1.0/warehouses/abc',
    '//',
  );
  const tricky = fc.constantFrom(
    'sandbox.cloud.databricks.com',
    'https-host.example.org',
    'ttps.example.com',
    'h.example',
    'http.example.com',
    'adb-1.2.azuredatabricks.net',
    'xn--bcher-kva.example',
  );
  const anyHost = fc.oneof(hostname, tricky);

  it('never damages a host name: scheme, path, query, fragment and case normalised, port kept', () => {
    fc.assert(
      fc.property(
        anyHost,
        fc.constantFrom('', 'https://', 'HTTPS://', 'Https://'),
        port,
        suffix,
        fc.boolean(),
        fc.constantFrom('', ' ', '\t', '\n'),
        (h, scheme, p, tail, upper, pad) => {
          const input = `${pad}${scheme}${upper ? h.toUpperCase() : h}${p !== undefined ? `:${p}` : ''}${tail}${pad}`;
          const expected = `https://${h}${p !== undefined && p !== 443 ? `:${p}` : ''}`;
          expect(normalizeHost(input)).toBe(expected);
        },
      ),
      { numRuns: 3_000, seed: 9 },
    );
  });

  const arbitraryInput = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc
      .tuple(
        fc.constantFrom(
          'http://',
          'https://',
          'HTTP://',
          'ftp://',
          'javascript:',
          '//',
          'http:/',
          'http:\\\\',
          '',
        ),
        fc.oneof(
          anyHost,
          fc.constantFrom(
            '127.0.0.1',
            'localhost',
            '[::1]',
            '127.1',
            '0x7f.0.0.1',
            '2130706433',
            '127.0.0.1.nip.io',
            'localhost.evil.com',
            '[::ffff:127.0.0.1]',
            '0.0.0.0',
            '127.0.0.1@evil.com',
            'evil.com#@127.0.0.1',
            'evil.com\\@localhost',
          ),
        ),
        fc.string({ maxLength: 12 }),
      )
      .map(([a, b, c]) => `${a}${b}${c}`),
  );

  it('is idempotent, throws only DatabricksConfigError, and never yields http:// for a non-loopback host', () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        let out: string;
        try {
          out = normalizeHost(input);
        } catch (error) {
          expect(DatabricksConfigError.isInstance(error), String(error)).toBe(true);
          return;
        }
        expect(normalizeHost(out)).toBe(out);
        const url = new URL(out);
        expect(['https:', 'http:']).toContain(url.protocol);
        expect(url.pathname).toBe('/');
        expect(url.search + url.hash + url.username + url.password).toBe('');
        if (url.protocol === 'http:') {
          expect(
            ['localhost', '[::1]'].includes(url.hostname) ||
              /^127\.\d+\.\d+\.\d+$/.test(url.hostname),
            `http for ${url.hostname}`,
          ).toBe(true);
        }
      }),
      { numRuns: 5_000, seed: 9 },
    );
  });
});

// ---------- the SSE parser ----------

const dataLine = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/[\r\n]/.test(s));
const sseEvent = fc.record(
  {
    data: fc.array(dataLine, { minLength: 1, maxLength: 3 }),
    event: fc.stringMatching(/^[a-z_.]{1,10}$/),
    id: fc.stringMatching(/^[A-Za-z0-9-]{1,8}$/),
    comment: fc.string({ maxLength: 10 }).filter((s) => !/[\r\n]/.test(s)),
  },
  { requiredKeys: ['data'] },
);

type GeneratedEvent = typeof sseEvent extends fc.Arbitrary<infer T> ? T : never;

function serialise(events: GeneratedEvent[], eol: string): string {
  let text = '';
  for (const e of events) {
    if (e.comment !== undefined) text += `:${e.comment}${eol}`;
    if (e.event !== undefined) text += `event: ${e.event}${eol}`;
    if (e.id !== undefined) text += `id: ${e.id}${eol}`;
    for (const line of e.data) text += `data: ${line}${eol}`;
    text += eol;
  }
  return text;
}

function bodyOf(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let last = 0;
  for (const p of [...points, bytes.length]) {
    if (p > last) chunks.push(bytes.slice(last, p));
    last = Math.max(last, p);
  }
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const event of parseSseStream(body)) out.push(event);
  return out;
}

async function sameEventsWhateverTheChunking(eols: string[]) {
  await fc.assert(
    fc.asyncProperty(
      fc.array(sseEvent, { minLength: 1, maxLength: 8 }),
      fc.constantFrom(...eols),
      fc.array(fc.nat(), { maxLength: 40 }),
      async (events, eol, cuts) => {
        const bytes = new TextEncoder().encode(serialise(events, eol));
        const whole = await collect(bodyOf(bytes, []));
        const chunked = await collect(bodyOf(bytes, cuts));
        expect(chunked).toEqual(whole);
        expect(whole.map((e) => e.data)).toEqual(events.map((e) => e.data.join('\n')));
        expect(whole.map((e) => e.event)).toEqual(events.map((e) => e.event));
      },
    ),
    { numRuns: 1_000, seed: 9 },
  );
}

describe('parseSseStream', () => {
  it('arbitrary chunking (even mid-character) of a valid stream yields the same events (LF, CRLF)', async () => {
    await sameEventsWhateverTheChunking(['\n', '\r\n']);
  });

  // Regression: with bare-CR line endings the last event used to be dropped (the parser kept the
  // final CR pending, waiting for a possible LF that could never come).
  it('bare-CR line endings: the last event is not dropped', async () => {
    await sameEventsWhateverTheChunking(['\r']);
  });

  it('one byte per chunk gives the same events', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(sseEvent, { minLength: 1, maxLength: 4 }), async (events) => {
        const bytes = new TextEncoder().encode(serialise(events, '\n'));
        const cuts = Array.from({ length: bytes.length }, (_, i) => i);
        expect(await collect(bodyOf(bytes, cuts))).toEqual(await collect(bodyOf(bytes, [])));
      }),
      { numRuns: 200, seed: 9 },
    );
  });

  it('a stream cut before the blank line never yields the unterminated event', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(sseEvent, { minLength: 2, maxLength: 6 }),
        fc.nat(),
        async (events, at) => {
          const text = serialise(events, '\n');
          const bytes = new TextEncoder().encode(text);
          const cut = at % bytes.length;
          const got = await collect(bodyOf(bytes.slice(0, cut), []));
          const full = await collect(bodyOf(bytes, []));
          // Every event yielded from a prefix is a complete event of the full stream, in order.
          expect(full.slice(0, got.length)).toEqual(got);
        },
      ),
      { numRuns: 500, seed: 9 },
    );
  });
});

void LakechainError;
