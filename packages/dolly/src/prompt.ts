/**
 * Dolly's instruction format and response extraction, as trained (databrickslabs/dolly
 * `training/consts.py`) and post-processed by its `InstructionTextGenerationPipeline`.
 */
import { BaseOutputParser } from '@langchain/core/output_parsers';
import { PromptTemplate } from '@langchain/core/prompts';

/** The blurb every Dolly prompt starts with. */
export const DOLLY_INTRO_BLURB =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.';
export const DOLLY_INSTRUCTION_KEY = '### Instruction:';
/** Introduces the context block (no `###`, as in training). */
export const DOLLY_INPUT_KEY = 'Input:';
export const DOLLY_RESPONSE_KEY = '### Response:';
/** The marker Dolly emits after its answer; generation stops there. */
export const DOLLY_END_KEY = '### End';
export const DOLLY_RESPONSE_KEY_NL = `${DOLLY_RESPONSE_KEY}\n`;
/** Dolly v2 (GPT-NeoX / Pythia) context window in tokens: prompt plus generated text. */
export const DOLLY_CONTEXT_LENGTH = 2048;

export interface DollyPromptInput {
  instruction: string;
  /** Optional context (a passage to answer from, text to summarise...). Empty means none. */
  context?: string | null;
}

/**
 * Dolly's inference prompt: intro, `### Instruction:`, the `Input:` block when a context is
 * given, then `### Response:` and a newline (the model writes from there).
 *
 * ```text
 * Below is an instruction that describes a task. Write a response that appropriately completes the request.
 *
 * ### Instruction:
 * {instruction}
 *
 * Input:
 * {context}
 *
 * ### Response:
 *
 * ```
 */
export function formatDollyPrompt(input: DollyPromptInput | string): string {
  const { instruction, context } = typeof input === 'string' ? { instruction: input } : input;
  if (typeof instruction !== 'string') {
    throw new TypeError('formatDollyPrompt: "instruction" must be a string');
  }
  if (context !== undefined && context !== null && typeof context !== 'string') {
    throw new TypeError('formatDollyPrompt: "context" must be a string when given');
  }
  // As in Dolly's trainer: the input block is used when the context is truthy (non-empty).
  const contextBlock = context ? `\n\n${DOLLY_INPUT_KEY}\n${context}` : '';
  return `${DOLLY_INTRO_BLURB}\n\n${DOLLY_INSTRUCTION_KEY}\n${instruction}${contextBlock}\n\n${DOLLY_RESPONSE_KEY_NL}`;
}

/**
 * The template behind `DOLLY_PROMPT`, in mustache: the `Input:` block is a section rendered only
 * when `context` is a non-empty string. Values are inserted verbatim (no escaping, no re-parsing).
 */
export const DOLLY_PROMPT_TEMPLATE = `${DOLLY_INTRO_BLURB}\n\n${DOLLY_INSTRUCTION_KEY}\n{{instruction}}{{#context}}\n\n${DOLLY_INPUT_KEY}\n{{context}}{{/context}}\n\n${DOLLY_RESPONSE_KEY_NL}`;

/**
 * Dolly's prompt as a LangChain `PromptTemplate`: `instruction` is required, `context` optional
 * (defaults to empty, which leaves the `Input:` block out). Same output as `formatDollyPrompt`.
 *
 * ```ts
 * const chain = DOLLY_PROMPT.pipe(dolly).pipe(new DollyOutputParser());
 * await chain.invoke({ instruction: 'Summarise.', context: passage });
 * ```
 */
export const DOLLY_PROMPT: DollyPromptTemplate = new (class extends PromptTemplate<
  { instruction: string; context?: string },
  'context'
> {
  // Typed so `context` may be left out (LangChain's typing would otherwise require every key).
  override format(values: DollyPromptValues): Promise<string> {
    return super.format(values as never);
  }
})({
  template: DOLLY_PROMPT_TEMPLATE,
  templateFormat: 'mustache',
  inputVariables: ['instruction'],
  partialVariables: { context: '' },
});

/** Input of `DOLLY_PROMPT`: `context` is optional. */
export type DollyPromptValues = { instruction: string; context?: string } & Record<string, unknown>;

/** The type of `DOLLY_PROMPT`: a `PromptTemplate` whose `context` may be omitted. */
export type DollyPromptTemplate = PromptTemplate<
  { instruction: string; context?: string },
  'context'
> & {
  format(values: DollyPromptValues): Promise<string>;
};

const RESPONSE_MARKER = /#+\s*Response:\s*/;
const END_MARKER = /#+\s*End/;

/**
 * The response in a Dolly generation, following the pipeline's text fallbacks:
 * - the text after the **first** `### Response:` marker (the one closing the prompt when the
 *   text is a full generation), up to the first `### End` after it, trimmed;
 * - no `### End` (output cut by `maxNewTokens`): everything after the marker, trimmed;
 * - no response marker at all (e.g. a backend that returns only the new text): the whole text,
 *   cut at `### End` if present, trimmed;
 * - an empty response gives `''`.
 */
export function parseDollyResponse(text: string): string {
  if (typeof text !== 'string') throw new TypeError('parseDollyResponse: expected a string');
  const marker = RESPONSE_MARKER.exec(text);
  const body = marker ? text.slice(marker.index + marker[0].length) : text;
  const end = END_MARKER.exec(body);
  return (end ? body.slice(0, end.index) : body).trim();
}

/** `parseDollyResponse` as a LangChain output parser (string in, the response out). */
export class DollyOutputParser extends BaseOutputParser<string> {
  static override lc_name() {
    return 'DollyOutputParser';
  }

  override lc_namespace = ['lakechain', 'dolly'];

  override lc_serializable = true;

  async parse(text: string): Promise<string> {
    return parseDollyResponse(text);
  }

  getFormatInstructions(): string {
    return '';
  }

  override _type(): string {
    return 'dolly_response';
  }
}
