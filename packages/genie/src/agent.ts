/**
 * `GenieAgent`: a Genie space as a LangChain Runnable (for multi-agent graphs: `{messages}` in,
 * the answer, SQL, rows and `conversationId` out) and, through `toTool()`, as a tool an agent can
 * call with a question and, for follow-ups, the conversation id it got back. Like Python's
 * `databricks_langchain.GenieAgent`, plus the conversation continuity and result data users asked
 * for there.
 */
import type { CallbackManagerForToolRun } from '@langchain/core/callbacks/manager';
import {
  AIMessage,
  type BaseMessage,
  type BaseMessageLike,
  coerceMessageLikeToMessage,
} from '@langchain/core/messages';
import { Runnable, type RunnableConfig } from '@langchain/core/runnables';
import { StructuredTool } from '@langchain/core/tools';
import { z } from 'zod';
import { type GenieAnswer, GenieClient, type GenieClientOptions } from './client.js';
import { validateOptions } from './connection.js';
import { GenieError } from './errors.js';
import { type JsonValue, markdownTable } from './values.js';

export interface GenieAgentInput extends GenieClientOptions {
  /** The Genie space to ask (the id at the end of the space's URL). */
  spaceId: string;
  /** The agent's name in multi-agent graphs and the base of its tool name. Default `Genie`. */
  name?: string;
  /** What the space knows about; default: the space's own description (read once). */
  description?: string;
  /**
   * Send the whole chat history (prior turns) to Genie, not only the last user message, and
   * return Genie's reasoning and SQL as messages of their own. Default false.
   */
  includeContext?: boolean;
  /** Builds the question sent to Genie from the input messages (overrides `includeContext`'s). */
  messageProcessor?: (messages: BaseMessage[]) => string;
  /** A `GenieClient` to share (then the client options above are not used). */
  genieClient?: GenieClient;
}

/** What `GenieAgent.invoke` takes. */
export interface GenieAgentCallInput {
  messages: BaseMessageLike[];
  /** Continue this Genie conversation (from a previous output) instead of starting a new one. */
  conversationId?: string;
}

/** What `GenieAgent.invoke` returns. */
export interface GenieAgentOutput {
  /**
   * `query_result` (the answer and a table of the rows), preceded by `query_reasoning` and
   * `query_sql` when `includeContext` is set: AI messages named as in Python's GenieAgent.
   */
  messages: AIMessage[];
  /** Pass it back as `conversationId` for a follow-up in the same conversation. */
  conversationId: string;
  answer: string;
  sql?: string;
  description?: string;
  columns: GenieAnswer['columns'];
  rows: Record<string, JsonValue>[];
  rowCount: number;
  truncated: boolean;
  suggestedQuestions: string[];
  messageId: string;
}

const inputSchema = z
  .object({
    spaceId: z.string().min(1),
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    includeContext: z.boolean().optional(),
    messageProcessor: z
      .custom<(messages: BaseMessage[]) => string>((value) => typeof value === 'function')
      .optional(),
    genieClient: z.custom<GenieClient>((value) => value instanceof GenieClient).optional(),
  })
  .passthrough();

const ROLES: Record<string, string> = {
  human: 'user',
  ai: 'assistant',
  system: 'system',
  tool: 'tool',
  function: 'tool',
  generic: 'user',
};

function textOf(message: BaseMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part) =>
      typeof part === 'string' ? part : part.type === 'text' ? String(part.text ?? '') : '',
    )
    .join('');
}

/** The question Genie gets: the last user message, or the whole history with `includeContext`. */
export function defaultMessageProcessor(
  messages: BaseMessage[],
  options: { includeContext: boolean; name: string },
): string {
  if (!options.includeContext) {
    const last = [...messages].reverse().find((message) => message.getType() === 'human');
    return textOf(last ?? messages.at(-1) ?? new AIMessage(''));
  }
  const lines = messages
    .map((message) => `${ROLES[message.getType()] ?? message.getType()}: ${textOf(message)}`)
    .join('\n');
  return `I will provide you a chat history, where your name is ${options.name}. Please help with the described information in the chat history.\n${lines}`;
}

/** The text the model reads: the answer, then the rows as a Markdown table. */
export function answerText(answer: GenieAnswer): string {
  const table = markdownTable(answer);
  return [answer.text, table].filter((part) => part !== '').join('\n\n') || 'Genie gave no answer.';
}

/**
 * A Genie space as a Runnable and a tool.
 *
 * @example
 * ```ts
 * const genie = new GenieAgent({ spaceId, name: 'Sales' });
 * const out = await genie.invoke({ messages: [new HumanMessage('Revenue by region in 2024?')] });
 * const next = await genie.invoke({ messages: [...], conversationId: out.conversationId });
 * const agent = createAgent({ model, tools: [genie.toTool()] });
 * ```
 */
export class GenieAgent extends Runnable<GenieAgentCallInput, GenieAgentOutput> {
  lc_namespace = ['lakechain', 'genie'];
  readonly spaceId: string;
  override readonly name: string;
  readonly includeContext: boolean;
  readonly client: GenieClient;
  readonly #ownsClient: boolean;
  readonly #messageProcessor: (messages: BaseMessage[]) => string;
  #description?: string;

  static override lc_name() {
    return 'GenieAgent';
  }

  constructor(fields: GenieAgentInput) {
    const parsed = validateOptions('GenieAgent', inputSchema, fields) as GenieAgentInput;
    // Only what is safe to serialise: credentials never reach `lc_kwargs` or `toJSON()`.
    super({
      spaceId: parsed.spaceId,
      name: parsed.name,
      description: parsed.description,
      includeContext: parsed.includeContext,
    });
    const { spaceId, name, description, includeContext, messageProcessor, genieClient, ...rest } =
      parsed;
    this.spaceId = spaceId;
    this.name = name ?? 'Genie';
    this.includeContext = includeContext ?? false;
    this.#description = description;
    this.client = genieClient ?? new GenieClient(rest);
    this.#ownsClient = genieClient === undefined;
    this.#messageProcessor =
      messageProcessor ??
      ((messages) =>
        defaultMessageProcessor(messages, {
          includeContext: this.includeContext,
          name: this.name,
        }));
  }

  /** The description given, else the space's own (read once), else a generic one. */
  async getDescription(): Promise<string> {
    if (this.#description === undefined) {
      try {
        const space = await this.client.getSpace(this.spaceId);
        this.#description = space.description || space.title || '';
      } catch (error) {
        if (!GenieError.isInstance(error)) throw error;
        this.#description = '';
      }
    }
    return (
      this.#description ||
      `Answers questions about the data of Genie space ${this.spaceId} in plain language, with the SQL it ran and the rows.`
    );
  }

  override async invoke(
    input: GenieAgentCallInput,
    options?: Partial<RunnableConfig>,
  ): Promise<GenieAgentOutput> {
    return this._callWithConfig(
      (callInput: GenieAgentCallInput, config?: Partial<RunnableConfig>) =>
        this.#run(callInput, config),
      input,
      options,
    );
  }

  /** Asks Genie one question directly (the tool's path). */
  ask(question: string, options: { conversationId?: string; signal?: AbortSignal } = {}) {
    return this.client.ask(this.spaceId, question, options);
  }

  /**
   * The space as a tool for agents: `{question, conversation_id?}` in; the answer, SQL and a
   * table of the rows as the tool message, the whole answer (typed rows included) as its
   * artifact. Genie's errors reach the model as the tool's answer, so it can rephrase or retry.
   */
  toTool(options: { name?: string; description?: string } = {}): GenieTool {
    return new GenieTool({ agent: this, ...options });
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.client.close();
  }

  async #run(
    input: GenieAgentCallInput,
    config?: Partial<RunnableConfig>,
  ): Promise<GenieAgentOutput> {
    if (!input || !Array.isArray(input.messages))
      throw new GenieError('GenieAgent expects `{ messages: [...] }` as input.', {
        reason: 'bad_request',
        spaceId: this.spaceId,
      });
    const messages = input.messages.map((message) => coerceMessageLikeToMessage(message));
    const question = this.#messageProcessor(messages);
    const answer = await this.client.ask(this.spaceId, question, {
      conversationId: input.conversationId,
      signal: config?.signal,
    });
    const output: AIMessage[] = [];
    if (this.includeContext && answer.description)
      output.push(new AIMessage({ content: answer.description, name: 'query_reasoning' }));
    if (this.includeContext && answer.sql)
      output.push(new AIMessage({ content: answer.sql, name: 'query_sql' }));
    output.push(new AIMessage({ content: answerText(answer), name: 'query_result' }));
    return {
      messages: output,
      conversationId: answer.conversationId,
      messageId: answer.messageId,
      answer: answer.text,
      sql: answer.sql,
      description: answer.description,
      columns: answer.columns,
      rows: answer.rows,
      rowCount: answer.rowCount,
      truncated: answer.truncated,
      suggestedQuestions: answer.suggestedQuestions,
    };
  }
}

const toolSchema = z.object({
  question: z.string().describe('The question about the data, in plain language.'),
  conversation_id: z
    .string()
    .optional()
    .describe(
      'To ask a follow-up in the same Genie conversation, the conversation_id of an earlier answer.',
    ),
});

const TOOL_NAME = /[^a-zA-Z0-9_-]+/g;

/** The tool of a `GenieAgent` (see `GenieAgent.toTool()`). */
export class GenieTool extends StructuredTool<typeof toolSchema> {
  name: string;
  description: string;
  schema = toolSchema;
  override responseFormat = 'content_and_artifact' as const;
  readonly agent: GenieAgent;

  static override lc_name() {
    return 'GenieTool';
  }

  constructor(fields: { agent: GenieAgent; name?: string; description?: string }) {
    super();
    this.agent = fields.agent;
    this.name = (fields.name ?? fields.agent.name).replace(TOOL_NAME, '_').slice(0, 64);
    this.description =
      fields.description ??
      `Ask the Genie space "${fields.agent.name}" a question about its data; it answers with text, the SQL it ran and the rows. Pass the conversation_id of an earlier answer for a follow-up.`;
  }

  /** Replaces the generic description with the space's own (one `GET` of the space). */
  async withSpaceDescription(): Promise<this> {
    this.description = `${await this.agent.getDescription()} Pass the conversation_id of an earlier answer for a follow-up question.`;
    return this;
  }

  protected async _call(
    input: z.infer<typeof toolSchema>,
    _runManager?: CallbackManagerForToolRun,
    parentConfig?: RunnableConfig,
  ): Promise<[string, Record<string, unknown>]> {
    try {
      const answer = await this.agent.ask(input.question, {
        conversationId: input.conversation_id,
        signal: parentConfig?.signal,
      });
      const lines = [answerText(answer)];
      if (answer.sql) lines.push(`SQL:\n${answer.sql}`);
      lines.push(`conversation_id: ${answer.conversationId}`);
      const { message: _message, ...artifact } = answer;
      return [lines.join('\n\n'), artifact];
    } catch (error) {
      // The model gets a clear, typed error to act on (rephrase, wait, start over); aborts and
      // programming errors still throw.
      if (!GenieError.isInstance(error)) throw error;
      return [
        `Genie error (${error.name}, ${error.reason}): ${error.message}`,
        { error: error.toJSON() },
      ];
    }
  }
}
