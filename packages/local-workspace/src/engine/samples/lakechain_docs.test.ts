import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  chunkMarkdown,
  documentId,
  githubAnchor,
  MAX_CHARS,
} from '../../../scripts/lakechain-docs.mjs';
import { createDuckDbEngine } from '../index.js';
import type { EngineSession, EngineValue, SqlEngine } from '../sql_engine.js';
import corpus from './lakechain_docs.json';
import labelled from './lakechain_docs.questions.json';

async function rows(session: EngineSession, sql: string): Promise<EngineValue[][]> {
  const result = await session.execute(sql, {}, new AbortController().signal);
  const out: EngineValue[][] = [];
  for (;;) {
    const page = await result.fetch(10_000);
    out.push(...page);
    if (page.length < 10_000) break;
  }
  await result.close();
  return out;
}

describe('the chunker of scripts/lakechain-docs.mjs', () => {
  test('GitHub anchors and document ids', () => {
    expect(githubAnchor('Paging, scan, writes')).toBe('paging-scan-writes');
    expect(githubAnchor('`startLocalWorkspace(options?)`')).toBe('startlocalworkspaceoptions');
    expect(githubAnchor('Registering a chain: `logChain()`')).toBe('registering-a-chain-logchain');
    expect(documentId('packages/vector-search/README.md')).toBe('vector-search/readme');
    expect(documentId('docs/ARCHITECTURE.md')).toBe('docs/architecture');
  });

  test('splits at headings outside code fences; titles carry the headings above', () => {
    const markdown = [
      '# Tool',
      '',
      'Intro.',
      '',
      '## Usage',
      '',
      '```sh',
      '# not a heading',
      'tool run',
      '```',
      '',
      '## Options',
      '### Usage',
      '',
      'Nested usage.',
      '',
      '## Usage',
      '',
      'Again.',
    ].join('\n');
    const chunks = chunkMarkdown('packages/tool/README.md', markdown);
    expect(chunks.map((chunk) => [chunk.id, chunk.title, chunk.url])).toEqual([
      ['tool/readme#tool', 'Tool', 'packages/tool/README.md#tool'],
      ['tool/readme#usage', 'Tool › Usage', 'packages/tool/README.md#usage'],
      // "Options" has no text of its own: it only titles its sub-section. Repeated headings get
      // GitHub's -1, -2 anchors.
      ['tool/readme#usage-1', 'Tool › Options › Usage', 'packages/tool/README.md#usage-1'],
      ['tool/readme#usage-2', 'Tool › Usage', 'packages/tool/README.md#usage-2'],
    ]);
    expect(chunks[1]?.text).toBe('## Usage\n\n```sh\n# not a heading\ntool run\n```');
  });

  test('cuts long sections between paragraphs, list items and table rows, heading first', () => {
    const rows = Array.from({ length: 40 }, (_, row) => `| r${row} | ${'x'.repeat(40)} |`);
    const items = Array.from({ length: 30 }, (_, item) => `- item ${item} ${'y'.repeat(50)}`);
    const markdown = [
      '## Big',
      '',
      'The table:',
      '',
      '| a | b |',
      '|---|---|',
      ...rows,
      '',
      ...items,
    ].join('\n');
    const chunks = chunkMarkdown('docs/BIG.md', markdown, 600);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((chunk) => chunk.id)).toEqual(
      chunks.map((_, position) => `docs/big#big${position === 0 ? '' : `:${position + 1}`}`),
    );
    for (const chunk of chunks) {
      expect(chunk.text.startsWith('## Big\n\n')).toBe(true);
      expect(chunk.text.length).toBeLessThanOrEqual(600 * 1.25 + 10);
    }
    // The lead-in stays with its table, every piece of the table repeats the header, and no list
    // item is cut in two.
    expect(chunks[0]?.text).toContain('The table:\n\n| a | b |\n|---|---|\n| r0 |');
    const tablePieces = chunks.filter((chunk) => chunk.text.includes('| r'));
    expect(tablePieces.length).toBeGreaterThan(1);
    for (const piece of tablePieces) expect(piece.text).toContain('| a | b |\n|---|---|');
    const listText = chunks.map((chunk) => chunk.text).join('\n');
    for (const item of items) expect(listText).toContain(item);
  });

  test('is deterministic', () => {
    const markdown = '# A\n\ntext\n\n## B\n\nmore text';
    expect(chunkMarkdown('A.md', markdown)).toEqual(chunkMarkdown('A.md', markdown));
  });
});

describe('the committed corpus and its labelled questions', () => {
  const ids = new Set(corpus.chunks.map((chunk) => chunk.id));

  test('chunks have unique ids, a title, a URL into the repository and bounded text', () => {
    expect(corpus.chunks.length).toBeGreaterThan(200);
    expect(ids.size).toBe(corpus.chunks.length);
    for (const chunk of corpus.chunks) {
      expect(chunk.id).toMatch(/^[a-z0-9_/.-]+#[\p{L}\p{N}_-]*(:\d+)?$/u);
      expect(chunk.title.length).toBeGreaterThan(0);
      expect(corpus.source.files.some((file) => chunk.url.startsWith(file))).toBe(true);
      expect(chunk.text.length).toBeLessThanOrEqual(MAX_CHARS * 1.25 + 120);
    }
    expect(corpus.source.files).toContain('packages/vector-search/README.md');
    expect(corpus.source.files).toContain('docs/ARCHITECTURE.md');
  });

  test('at least 40 questions, each answered by chunks that exist, with a held-out split', () => {
    const questions = labelled.questions;
    expect(questions.length).toBeGreaterThanOrEqual(40);
    expect(new Set(questions.map((question) => question.id)).size).toBe(questions.length);
    expect(new Set(questions.map((question) => question.question)).size).toBe(questions.length);
    for (const question of questions) {
      expect(question.relevant.length).toBeGreaterThan(0);
      for (const id of question.relevant) expect(ids.has(id), `${question.id}: ${id}`).toBe(true);
      expect(['dev', 'heldout']).toContain(question.split);
    }
    const heldout = questions.filter((question) => question.split === 'heldout');
    expect(heldout.length).toBeGreaterThanOrEqual(15);
    expect(labelled.corpusCommit).toBe(corpus.source.commit);
  });
});

describe('samples.lakechain.docs', () => {
  let engine: SqlEngine;
  let session: EngineSession;

  beforeAll(async () => {
    engine = await createDuckDbEngine({});
    session = await engine.openSession({ catalog: 'samples', schema: 'lakechain' });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
  });

  test('holds every chunk of the snapshot, in its columns', async () => {
    expect(await rows(session, 'SELECT count(*), count(DISTINCT id) FROM docs')).toEqual([
      [BigInt(corpus.chunks.length), BigInt(corpus.chunks.length)],
    ]);
    const first = corpus.chunks[0] as (typeof corpus.chunks)[number];
    expect(
      await rows(session, `SELECT id, title, url, text FROM docs WHERE id = '${first.id}'`),
    ).toEqual([[first.id, first.title, first.url, first.text]]);
    const columns = await rows(
      session,
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = 'samples' AND table_schema = 'lakechain' AND table_name = 'docs' ORDER BY ordinal_position",
    );
    expect(columns).toEqual([
      ['id', 'STRING'],
      ['title', 'STRING'],
      ['url', 'STRING'],
      ['text', 'STRING'],
    ]);
  });
});
