import { describe, expect, test } from 'vitest';
import { localEndpoint } from './environment.js';
import { evalQuestions, median, type QuestionOutcome, summarise } from './eval.js';
import { QUESTIONS } from './questions.js';
import { HOLDOUT_QUESTIONS } from './questions_holdout.js';

const LEVELS = [
  'count',
  'aggregate',
  'filter',
  'date',
  'group',
  'argmax',
  'having',
  'join',
  'join3',
  'unanswerable',
];

describe('the two halves of the evaluation', () => {
  test('at least 25 questions each, unique ids, every level in both, both schemas', () => {
    expect(QUESTIONS.length).toBeGreaterThanOrEqual(25);
    expect(HOLDOUT_QUESTIONS.length).toBeGreaterThanOrEqual(25);
    const ids = [...QUESTIONS, ...HOLDOUT_QUESTIONS].map((question) => question.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const half of [QUESTIONS, HOLDOUT_QUESTIONS]) {
      expect(new Set(half.map((question) => question.level))).toEqual(new Set(LEVELS));
      expect(new Set(half.map((question) => question.schema))).toEqual(
        new Set(['nyctaxi', 'tpch']),
      );
    }
  });

  test('no question is in both halves', () => {
    const dev = new Set(QUESTIONS.map((question) => question.question.toLowerCase()));
    for (const question of HOLDOUT_QUESTIONS)
      expect(dev.has(question.question.toLowerCase())).toBe(false);
  });

  test('a reference SQL for every answerable question, none for the unanswerable ones', () => {
    for (const question of [...QUESTIONS, ...HOLDOUT_QUESTIONS]) {
      if (question.level === 'unanswerable') expect(question.reference).toBeUndefined();
      else expect(question.reference).toMatch(/^SELECT /);
    }
  });

  test('evalQuestions groups by schema (one warm session each) and keeps the half', () => {
    const both = evalQuestions('both');
    expect(both).toHaveLength(QUESTIONS.length + HOLDOUT_QUESTIONS.length);
    const schemas = both.map((question) => question.schema);
    expect(schemas.indexOf('tpch')).toBe(schemas.lastIndexOf('nyctaxi') + 1);
    expect(evalQuestions('holdout').every((question) => question.half === 'holdout')).toBe(true);
  });

  test('summarise: accuracy, medians and per-level counts', () => {
    const outcome = (level: string, match: boolean, latencyMs: number): QuestionOutcome => ({
      id: level,
      half: 'dev',
      schema: 'tpch',
      level,
      question: '',
      match,
      executed: match,
      unanswerable: false,
      attempts: 1,
      answer: '',
      latencyMs,
      tokens: { input: 10, output: 5, total: latencyMs / 100 },
    });
    const summary = summarise([
      outcome('count', true, 1000),
      outcome('count', false, 3000),
      outcome('join', true, 2000),
    ]);
    expect(summary).toMatchObject({
      questions: 3,
      correct: 2,
      executed: 2,
      medianLatencyMs: 2000,
      medianTokens: 20,
      byLevel: { count: { correct: 1, total: 2 }, join: { correct: 1, total: 1 } },
    });
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

test('local endpoint names', () => {
  expect(localEndpoint('qwen-coder-1.5b')).toBe('local-qwen-coder-1-5b');
  expect(localEndpoint('/models/My_Model.Q4.gguf')).toBe('local-my-model-q4');
});
