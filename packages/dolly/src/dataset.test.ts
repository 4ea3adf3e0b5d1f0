import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DOLLY_CATEGORIES,
  DollyError,
  dollyFewShotExamples,
  formatDollyPrompt,
  loadDollyDataset,
} from './index.js';

let dir: string;
const rows = [
  {
    instruction: 'When did Virgin Australia start?',
    context: 'Virgin Australia ... commenced services on 31 August 2000.',
    response: '31 August 2000.',
    category: 'closed_qa',
  },
  {
    instruction: 'Which is a species of fish? Tope or Rope',
    context: '',
    response: 'Tope',
    category: 'classification',
  },
  {
    instruction: 'Why can camels survive long without water?',
    context: '',
    response: 'They store fat in their humps.',
    category: 'open_qa',
  },
  {
    instruction: 'Give me ideas for a picnic.',
    context: '',
    response: 'Sandwiches, fruit, lemonade.',
    category: 'brainstorming',
  },
  {
    instruction: 'Who was Ada Lovelace?',
    context: '',
    response: 'A mathematician.',
    category: 'open_qa',
  },
  {
    instruction: 'What is a lake?',
    context: '',
    response: 'A body of water.',
    category: 'open_qa',
  },
];

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dolly-dataset-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadDollyDataset', () => {
  it('reads valid JSONL (blank lines and CRLF tolerated)', async () => {
    const path = await write(
      'ok.jsonl',
      `${rows.map((row) => JSON.stringify(row)).join('\r\n')}\n\n`,
    );
    const records = await loadDollyDataset(path);
    expect(records).toHaveLength(rows.length);
    expect(records[0]).toEqual(rows[0]);
    expect(records[1]?.context).toBe('');
  });

  it('defaults a missing context to empty and can filter categories', async () => {
    const path = await write(
      'filter.jsonl',
      [
        JSON.stringify({ instruction: 'a', response: 'b', category: 'open_qa' }),
        JSON.stringify(rows[1]),
      ].join('\n'),
    );
    expect(await loadDollyDataset(path)).toEqual([
      { instruction: 'a', context: '', response: 'b', category: 'open_qa' },
      rows[1],
    ]);
    expect(await loadDollyDataset(path, { categories: ['classification'] })).toEqual([rows[1]]);
  });

  it.each([
    ['{not json', /bad\.jsonl:2: invalid JSON/],
    ['[1,2]', /bad\.jsonl:2: expected a JSON object/],
    [
      JSON.stringify({ context: '', response: 'r', category: 'open_qa' }),
      /bad\.jsonl:2: missing field "instruction"/,
    ],
    [
      JSON.stringify({ instruction: 'i', context: 5, response: 'r', category: 'open_qa' }),
      /bad\.jsonl:2: field "context" must be a string, got number/,
    ],
    [
      JSON.stringify({ instruction: 'i', response: 'r', category: 'poetry' }),
      /bad\.jsonl:2: unknown category "poetry"/,
    ],
    [
      JSON.stringify({ instruction: '  ', response: 'r', category: 'open_qa' }),
      /bad\.jsonl:2: field "instruction" is empty/,
    ],
  ])('names the file and line of a bad record: %s', async (line, message) => {
    const path = await write('bad.jsonl', `${JSON.stringify(rows[0])}\n${line}\n`);
    const error = await loadDollyDataset(path).catch((caught: unknown) => caught);
    expect(DollyError.isInstance(error)).toBe(true);
    expect((error as DollyError).kind).toBe('dataset');
    expect((error as Error).message).toMatch(message);
  });

  it('accepts unknown categories when asked', async () => {
    const path = await write(
      'custom.jsonl',
      JSON.stringify({ instruction: 'i', response: 'r', category: 'poetry' }),
    );
    const [record] = await loadDollyDataset(path, { allowUnknownCategories: true });
    expect(record?.category).toBe('poetry');
  });

  it('a missing file is a clear error', async () => {
    await expect(loadDollyDataset(join(dir, 'nope.jsonl'))).rejects.toThrow(
      /cannot read the Dolly dataset at .*nope\.jsonl/,
    );
  });

  it('knows the eight categories of databricks-dolly-15k', () => {
    expect([...DOLLY_CATEGORIES].sort()).toEqual([
      'brainstorming',
      'classification',
      'closed_qa',
      'creative_writing',
      'general_qa',
      'information_extraction',
      'open_qa',
      'summarization',
    ]);
  });
});

describe('dollyFewShotExamples', () => {
  const records = rows as Parameters<typeof dollyFewShotExamples>[0];

  it('takes the first k of a category, with the training-format text', () => {
    const examples = dollyFewShotExamples(records, { category: 'open_qa', k: 2 });
    expect(examples.map((e) => e.instruction)).toEqual([
      'Why can camels survive long without water?',
      'Who was Ada Lovelace?',
    ]);
    expect(examples[0]?.text).toBe(
      `${formatDollyPrompt({ instruction: 'Why can camels survive long without water?' })}They store fat in their humps.\n\n### End`,
    );
  });

  it('includes the Input: block for records with context', () => {
    const [example] = dollyFewShotExamples(records, { category: 'closed_qa', k: 1 });
    expect(example?.text).toContain('\n\nInput:\nVirgin Australia');
  });

  it('is deterministic with a seed, and can exclude the question being asked', () => {
    const a = dollyFewShotExamples(records, { k: 3, seed: 7 });
    const b = dollyFewShotExamples(records, { k: 3, seed: 7 });
    expect(a).toEqual(b);
    expect(a).toHaveLength(3);
    const excluded = dollyFewShotExamples(records, {
      category: 'open_qa',
      k: 5,
      exclude: 'Who was Ada Lovelace?',
    });
    expect(excluded.map((e) => e.instruction)).not.toContain('Who was Ada Lovelace?');
    expect(excluded).toHaveLength(2);
  });

  it('defaults to k = 3, accepts several categories, rejects a bad k', () => {
    expect(dollyFewShotExamples(records)).toHaveLength(3);
    expect(
      dollyFewShotExamples(records, { category: ['brainstorming', 'classification'], k: 5 }).map(
        (e) => e.category,
      ),
    ).toEqual(['classification', 'brainstorming']);
    expect(() => dollyFewShotExamples(records, { k: -1 })).toThrow(/k must be/);
  });
});
