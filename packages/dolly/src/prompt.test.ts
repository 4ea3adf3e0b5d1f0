import { describe, expect, it } from 'vitest';
import {
  DOLLY_END_KEY,
  DOLLY_INPUT_KEY,
  DOLLY_INSTRUCTION_KEY,
  DOLLY_INTRO_BLURB,
  DOLLY_PROMPT,
  DOLLY_RESPONSE_KEY,
  DOLLY_RESPONSE_KEY_NL,
  DollyOutputParser,
  formatDollyPrompt,
  parseDollyResponse,
} from './index.js';

// Dolly's published constants (databrickslabs/dolly training/consts.py), spelled out here so a
// change to the package constants cannot go unnoticed.
const INTRO =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.';

describe('constants', () => {
  it('match training/consts.py', () => {
    expect(DOLLY_INTRO_BLURB).toBe(INTRO);
    expect(DOLLY_INSTRUCTION_KEY).toBe('### Instruction:');
    expect(DOLLY_INPUT_KEY).toBe('Input:');
    expect(DOLLY_RESPONSE_KEY).toBe('### Response:');
    expect(DOLLY_END_KEY).toBe('### End');
    expect(DOLLY_RESPONSE_KEY_NL).toBe('### Response:\n');
  });
});

describe('formatDollyPrompt', () => {
  it('without context: PROMPT_FOR_GENERATION_FORMAT', () => {
    expect(formatDollyPrompt({ instruction: 'What is Delta Lake?' })).toBe(
      `${INTRO}\n\n### Instruction:\nWhat is Delta Lake?\n\n### Response:\n`,
    );
    expect(formatDollyPrompt('What is Delta Lake?')).toBe(
      formatDollyPrompt({ instruction: 'What is Delta Lake?' }),
    );
  });

  it('with context: the Input: block between instruction and response', () => {
    expect(
      formatDollyPrompt({
        instruction: 'Summarise the passage.',
        context: 'Delta Lake is a storage layer.',
      }),
    ).toBe(
      `${INTRO}\n\n### Instruction:\nSummarise the passage.\n\nInput:\nDelta Lake is a storage layer.\n\n### Response:\n`,
    );
  });

  it('an empty context is no context (as in the trainer)', () => {
    const plain = formatDollyPrompt({ instruction: 'Hi' });
    expect(formatDollyPrompt({ instruction: 'Hi', context: '' })).toBe(plain);
    expect(formatDollyPrompt({ instruction: 'Hi', context: null })).toBe(plain);
  });

  it('keeps multi-line and brace-containing text verbatim', () => {
    const instruction = 'Line one\nLine {two} {{three}}';
    const context = 'a\n\nb {x}';
    expect(formatDollyPrompt({ instruction, context })).toBe(
      `${INTRO}\n\n### Instruction:\n${instruction}\n\nInput:\n${context}\n\n### Response:\n`,
    );
  });

  it('rejects non-string input', () => {
    expect(() => formatDollyPrompt({ instruction: 3 as unknown as string })).toThrow(/instruction/);
    expect(() => formatDollyPrompt({ instruction: 'x', context: 3 as unknown as string })).toThrow(
      /context/,
    );
  });
});

describe('DOLLY_PROMPT', () => {
  it('has instruction as its only required variable', () => {
    expect(DOLLY_PROMPT.inputVariables).toEqual(['instruction']);
  });

  it('formats exactly like formatDollyPrompt, with and without context', async () => {
    const cases = [
      { instruction: 'What is MLflow?' },
      { instruction: 'What is MLflow?', context: '' },
      { instruction: 'Summarise {this}.', context: 'MLflow tracks {{runs}} & <models>.' },
    ];
    for (const input of cases) {
      expect(await DOLLY_PROMPT.format(input)).toBe(formatDollyPrompt(input));
      const value = await DOLLY_PROMPT.invoke(input);
      expect(value.toString()).toBe(formatDollyPrompt(input));
    }
  });
});

describe('parseDollyResponse', () => {
  const prompt = formatDollyPrompt({ instruction: 'Name a colour.' });

  it('takes the text between the response marker and ### End', () => {
    expect(parseDollyResponse(`${prompt}Blue.\n\n### End`)).toBe('Blue.');
    expect(parseDollyResponse(`${prompt}Blue.\n\n### End\nmore rambling ### End`)).toBe('Blue.');
  });

  it('without ### End (cut by maxNewTokens): everything after the marker', () => {
    expect(parseDollyResponse(`${prompt}  Blue, and then`)).toBe('Blue, and then');
  });

  it('without a response marker: the whole text, trimmed (cut at ### End)', () => {
    expect(parseDollyResponse('  Blue.  ')).toBe('Blue.');
    expect(parseDollyResponse('Blue.\n### End')).toBe('Blue.');
  });

  it('repeated response markers: the first one opens the response', () => {
    expect(parseDollyResponse('### Response:\nA\n### Response:\nB\n### End')).toBe(
      'A\n### Response:\nB',
    );
  });

  it('accepts marker variants like the pipeline regex (#+, spacing)', () => {
    expect(parseDollyResponse('## Response:Yes# End')).toBe('Yes');
    expect(parseDollyResponse('####   Response:\n\n Yes \n#### End')).toBe('Yes');
  });

  it('an empty response is the empty string', () => {
    expect(parseDollyResponse(`${prompt}### End`)).toBe('');
    expect(parseDollyResponse(`${prompt}\n\n### End`)).toBe('');
    expect(parseDollyResponse(prompt)).toBe('');
    expect(parseDollyResponse('')).toBe('');
  });

  it('DollyOutputParser applies it in a chain', async () => {
    const parser = new DollyOutputParser();
    expect(await parser.invoke(`${prompt}Green.\n### End`)).toBe('Green.');
    expect(await parser.parse('Red')).toBe('Red');
    expect(parser.getFormatInstructions()).toBe('');
  });
});
