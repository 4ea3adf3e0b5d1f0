/**
 * databricks-dolly-15k (`databricks-dolly-15k.jsonl`, CC BY-SA 3.0): one JSON object a line with
 * `instruction`, `context` (often empty), `response` and `category`.
 */
import { readFile } from 'node:fs/promises';
import { DollyError } from './errors.js';
import { formatDollyPrompt } from './prompt.js';

/** The category labels used in databricks-dolly-15k. */
export const DOLLY_CATEGORIES = [
  'brainstorming',
  'classification',
  'closed_qa',
  'creative_writing',
  'general_qa',
  'information_extraction',
  'open_qa',
  'summarization',
] as const;

export type DollyCategory = (typeof DOLLY_CATEGORIES)[number];

export interface DollyRecord {
  instruction: string;
  /** `''` when the record has no context. */
  context: string;
  response: string;
  category: DollyCategory;
}

export interface LoadDollyDatasetOptions {
  /**
   * Accept category labels outside `DOLLY_CATEGORIES` (for derived datasets). Default false: an
   * unknown category is an error naming the line.
   */
  allowUnknownCategories?: boolean;
  /** Keep only these categories. */
  categories?: readonly string[];
}

const CATEGORY_SET = new Set<string>(DOLLY_CATEGORIES);

/** Validates one parsed line; returns the record or throws a message (without the line number). */
function toRecord(value: unknown, options: LoadDollyDatasetOptions): DollyRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('expected a JSON object');
  }
  const row = value as Record<string, unknown>;
  for (const field of ['instruction', 'response', 'category'] as const) {
    if (typeof row[field] !== 'string') {
      throw new Error(
        row[field] === undefined
          ? `missing field "${field}"`
          : `field "${field}" must be a string, got ${typeof row[field]}`,
      );
    }
  }
  const context = row.context ?? '';
  if (typeof context !== 'string') {
    throw new Error(`field "context" must be a string, got ${typeof context}`);
  }
  const instruction = row.instruction as string;
  if (instruction.trim() === '') throw new Error('field "instruction" is empty');
  const category = row.category as string;
  if (!options.allowUnknownCategories && !CATEGORY_SET.has(category)) {
    throw new Error(
      `unknown category "${category}" (expected one of ${DOLLY_CATEGORIES.join(', ')})`,
    );
  }
  return {
    instruction,
    context,
    response: row.response as string,
    category: category as DollyCategory,
  };
}

/** Parses JSONL text (see `loadDollyDataset`); `source` names the file in errors. */
export function parseDollyDataset(
  text: string,
  options: LoadDollyDatasetOptions = {},
  source = 'dataset',
): DollyRecord[] {
  const wanted = options.categories ? new Set(options.categories) : undefined;
  const records: DollyRecord[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const lineNumber = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new DollyError(
        'dataset',
        `${source}:${lineNumber}: invalid JSON (${(error as Error).message})`,
      );
    }
    let record: DollyRecord;
    try {
      record = toRecord(value, options);
    } catch (error) {
      throw new DollyError('dataset', `${source}:${lineNumber}: ${(error as Error).message}`);
    }
    if (!wanted || wanted.has(record.category)) records.push(record);
  });
  return records;
}

/**
 * Reads databricks-dolly-15k (or a file in its format) and validates every line: invalid JSON,
 * missing or non-string fields and unknown categories raise a `DollyError` naming the file and
 * line. Blank lines are skipped.
 */
export async function loadDollyDataset(
  path: string,
  options: LoadDollyDatasetOptions = {},
): Promise<DollyRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DollyError(
      'dataset',
      `cannot read the Dolly dataset at ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return parseDollyDataset(text, options, path);
}

/** One few-shot example: the Dolly prompt of a record and its reference response. */
export interface DollyFewShotExample {
  instruction: string;
  context: string;
  response: string;
  category: string;
  /** `formatDollyPrompt({instruction, context})` followed by the response and `### End`. */
  text: string;
}

export interface DollyFewShotOptions {
  /** Only records of this category (or these categories). */
  category?: string | readonly string[];
  /** How many examples (default 3). */
  k?: number;
  /**
   * Seed for a deterministic shuffle before taking `k`. Without it the first `k` matching records
   * are taken, in file order.
   */
  seed?: number;
  /** Skip records whose instruction equals this (e.g. the question being asked). */
  exclude?: string;
}

/** Mulberry32: a small deterministic PRNG so a seed always gives the same examples. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Picks `k` records (of a category) as few-shot examples, each with its training-format text
 * (prompt, response, `### End`), e.g. for a `FewShotPromptTemplate`.
 */
export function dollyFewShotExamples(
  records: readonly DollyRecord[],
  options: DollyFewShotOptions = {},
): DollyFewShotExample[] {
  const k = options.k ?? 3;
  if (!Number.isInteger(k) || k < 0) {
    throw new DollyError(
      'config',
      `dollyFewShotExamples: k must be a non-negative integer, got ${k}`,
    );
  }
  const categories =
    options.category === undefined
      ? undefined
      : new Set(typeof options.category === 'string' ? [options.category] : options.category);
  let pool = records.filter(
    (record) =>
      (!categories || categories.has(record.category)) && record.instruction !== options.exclude,
  );
  if (options.seed !== undefined) {
    const next = random(options.seed);
    pool = [...pool];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [pool[i], pool[j]] = [pool[j] as DollyRecord, pool[i] as DollyRecord];
    }
  }
  return pool.slice(0, k).map((record) => ({
    instruction: record.instruction,
    context: record.context,
    response: record.response,
    category: record.category,
    text: `${formatDollyPrompt(record)}${record.response}\n\n### End`,
  }));
}
