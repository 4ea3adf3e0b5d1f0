/**
 * NL-to-SQL on a chat endpoint of the serving service. The endpoint's handler is called
 * in-process with the chat-completions request a client would POST to
 * `/serving-endpoints/{name}/invocations` (logged in the serving request log like any other), so
 * any handler answers: `scriptedGenieChat` for deterministic tests, `llamaChat` for a real local
 * model. Two kinds of call: one writes the SQL (a JSON answer `{sql, description}` or `{text}`
 * for a clarification), one summarises the rows in a sentence.
 */
import type { ColumnMetadata } from '../../engine/sql_engine.js';
import { invokeInProcess } from '../serving/in_process.js';
import type { ServingRegistry } from '../serving/registry.js';
import type { ChatMessageInput, ServingHandler, ServingRequest } from '../serving/types.js';

/** The first words of the system prompt of each kind of call (how scripted handlers tell them apart). */
export const SQL_PROMPT_START = 'You are Genie, an assistant that answers questions about data';
export const SUMMARY_PROMPT_START = 'You are Genie. Summarise the result of a SQL query';

export interface TableContext {
  name: string;
  comment?: string;
  columns: ColumnMetadata[];
}

export interface SpaceContext {
  title: string;
  description?: string;
  instructions?: string;
  exampleSql?: { question: string; sql: string }[];
  tables: TableContext[];
}

export interface PriorTurn {
  question: string;
  sql?: string;
  description?: string;
  text?: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

function ddl(table: TableContext): string {
  const columns = table.columns
    .map(
      (column) =>
        `  ${column.name} ${column.type}${column.comment ? ` COMMENT ${JSON.stringify(column.comment)}` : ''}`,
    )
    .join(',\n');
  return `CREATE TABLE ${table.name} (\n${columns}\n)${table.comment ? ` COMMENT ${JSON.stringify(table.comment)}` : ''};`;
}

/** The messages of the SQL call: the space's schema and rules, the conversation so far, the question. */
export function sqlMessages(
  space: SpaceContext,
  history: readonly PriorTurn[],
  question: string,
  failure?: { sql: string; error: string },
): ChatMessage[] {
  const parts = [
    `${SQL_PROMPT_START} by writing one Databricks SQL query over the tables of the space "${space.title}".`,
    'Answer with a JSON object: {"sql": "<one read-only Databricks SQL query, fully qualified table names>", "description": "<one sentence: what the query computes>"}.',
    'If the question cannot be answered from these tables, answer {"sql": "", "description": "", "text": "<a short clarifying reply>"}.',
    space.description ? `About the space: ${space.description}` : '',
    `Tables:\n${space.tables.map(ddl).join('\n\n')}`,
    space.instructions ? `Instructions:\n${space.instructions}` : '',
    space.exampleSql?.length
      ? `Examples:\n${space.exampleSql.map((example) => `Q: ${example.question}\nSQL: ${example.sql}`).join('\n\n')}`
      : '',
  ];
  const messages: ChatMessage[] = [
    { role: 'system', content: parts.filter((part) => part !== '').join('\n\n') },
  ];
  for (const turn of history) {
    messages.push({ role: 'user', content: turn.question });
    messages.push({
      role: 'assistant',
      content: JSON.stringify(
        turn.sql
          ? { sql: turn.sql, description: turn.description ?? '' }
          : { sql: '', description: '', text: turn.text ?? '' },
      ),
    });
  }
  messages.push({
    role: 'user',
    content: failure
      ? `${question}\n\nThis query failed:\n${failure.sql}\nError: ${failure.error}\nAnswer again with a corrected query.`
      : question,
  });
  return messages;
}

/** The messages of the summary call. */
export function summaryMessages(
  question: string,
  sql: string,
  columns: readonly string[],
  rows: readonly (string | null)[][],
  totalRows: number,
): ChatMessage[] {
  const shown = rows
    .slice(0, 20)
    .map((row) => JSON.stringify(Object.fromEntries(columns.map((name, i) => [name, row[i]]))));
  return [
    {
      role: 'system',
      content: `${SUMMARY_PROMPT_START} in one or two plain sentences that answer the user's question. Use only the rows given; do not show SQL.`,
    },
    {
      role: 'user',
      content: `Question: ${question}\nSQL: ${sql}\nResult: ${totalRows} row(s)${totalRows > shown.length ? `, first ${shown.length}` : ''}:\n${shown.join('\n')}`,
    },
  ];
}

/** Grammar-constrained JSON for models that support `response_format` (the local llama models). */
export const SQL_RESPONSE_FORMAT = {
  type: 'json_schema',
  json_schema: {
    name: 'genie_sql',
    schema: {
      type: 'object',
      properties: {
        sql: { type: 'string' },
        description: { type: 'string' },
        text: { type: 'string' },
      },
      required: ['sql', 'description'],
    },
  },
} as const;

export interface SqlReply {
  sql?: string;
  description?: string;
  text?: string;
}

/** Reads the model's answer: the JSON asked for, else a ```sql block, else bare SQL, else text. */
export function parseSqlReply(content: string): SqlReply {
  const trimmed = content.trim();
  const unfenced = trimmed
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/```$/, '')
    .trim();
  try {
    const parsed = JSON.parse(unfenced) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object') {
      const sql =
        typeof parsed.sql === 'string' && parsed.sql.trim() ? parsed.sql.trim() : undefined;
      const description =
        typeof parsed.description === 'string' && parsed.description.trim()
          ? parsed.description.trim()
          : undefined;
      const text =
        typeof parsed.text === 'string' && parsed.text.trim() ? parsed.text.trim() : undefined;
      if (sql || text) return { sql, description, text };
    }
  } catch {
    // Not JSON: look for SQL below.
  }
  const fenced = /```sql\s*([\s\S]*?)```/i.exec(trimmed);
  if (fenced?.[1]?.trim()) return { sql: fenced[1].trim() };
  if (/^(select|with)\b/i.test(trimmed)) return { sql: trimmed };
  return { text: trimmed };
}

export class ModelCallError extends Error {
  constructor(
    message: string,
    readonly type: string,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/** Calls a chat endpoint in-process and returns the content of its first choice. */
export async function callChat(
  registry: ServingRegistry,
  endpoint: string,
  messages: ChatMessage[],
  options: { signal: AbortSignal; responseFormat?: unknown },
): Promise<string> {
  const body: Record<string, unknown> = { messages, temperature: 0, max_tokens: 512 };
  if (options.responseFormat) body.response_format = options.responseFormat;
  const invocation = await invokeInProcess(registry, {
    endpoint,
    body,
    userAgent: 'lakechain-local-genie',
    signal: options.signal,
  });
  if (invocation.outcome === 'missing')
    throw new ModelCallError(
      `The serving endpoint ${endpoint} of this Genie space does not exist: add a chat endpoint of that name to the serving service (e.g. scriptedGenieChat or llamaChat), or name another with the space's servingEndpoint.`,
      'DEPLOYMENT_NOT_FOUND_EXCEPTION',
    );
  if (invocation.outcome === 'failed') {
    if (invocation.status === 429)
      throw new ModelCallError(
        `The serving endpoint ${endpoint} is rate limited.`,
        'RATE_LIMIT_EXCEEDED_GENERIC_EXCEPTION',
      );
    throw new ModelCallError(
      `The serving endpoint ${endpoint} failed: ${invocation.message}`,
      'CHAT_COMPLETION_CLIENT_EXCEPTION',
    );
  }
  const result = invocation.body;
  const content = (result as { choices?: { message?: { content?: unknown } }[] } | undefined)
    ?.choices?.[0]?.message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) => (typeof part === 'object' && part && 'text' in part ? String(part.text) : ''))
      .join('');
  throw new ModelCallError(
    `The serving endpoint ${endpoint} did not answer with a chat completion.`,
    'INVALID_CHAT_COMPLETION_JSON_EXCEPTION',
  );
}

/** What a scripted Genie model answers to a question. */
export type ScriptedGenieAnswer = string | { sql: string; description?: string } | { text: string };

export interface ScriptedGenieContext {
  /** Earlier turns of the conversation (questions and the SQL answered). */
  history: { question: string; sql?: string }[];
  /** Names of the space's tables. */
  tables: string[];
  /** Set when the previous SQL failed and the model is asked to correct it. */
  failure?: { sql: string; error: string };
}

export interface ScriptedGenieChatOptions {
  /** Writes the SQL (a string is SQL) for a question. */
  sql: (question: string, context: ScriptedGenieContext) => ScriptedGenieAnswer;
  /** The text summary of a result. Default: "<n> row(s): <first row>". */
  summary?: (question: string, result: { sql: string; rows: Record<string, unknown>[] }) => string;
}

function contentText(message: ChatMessageInput | undefined): string {
  const content = message?.content;
  return typeof content === 'string' ? content : JSON.stringify(content ?? '');
}

/**
 * A deterministic chat handler for Genie spaces, for tests and offline examples: `sql` decides
 * the SQL of each question (it sees the conversation so far), `summary` the text of each answer.
 */
export function scriptedGenieChat(options: ScriptedGenieChatOptions): ServingHandler {
  return (request: ServingRequest) => {
    const messages = ((request.body as { messages?: ChatMessageInput[] })?.messages ??
      []) as ChatMessageInput[];
    const system = contentText(messages[0]);
    let content: string;
    if (system.startsWith(SUMMARY_PROMPT_START)) {
      const text = contentText(messages.at(-1));
      const question = /^Question: (.*)$/m.exec(text)?.[1] ?? '';
      const sql = /^SQL: (.*)$/m.exec(text)?.[1] ?? '';
      const rows = text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      content = options.summary
        ? options.summary(question, { sql, rows })
        : `${rows.length} row(s)${rows[0] ? `: ${JSON.stringify(rows[0])}` : '.'}`;
    } else {
      const tables = [...system.matchAll(/^CREATE TABLE (\S+) \(/gm)].map(
        (match) => match[1] ?? '',
      );
      const history: ScriptedGenieContext['history'] = [];
      for (let index = 1; index + 1 < messages.length - 1; index += 2) {
        const answer = JSON.parse(contentText(messages[index + 1])) as { sql?: string };
        history.push({ question: contentText(messages[index]), sql: answer.sql || undefined });
      }
      const last = contentText(messages.at(-1));
      const failed = /\n\nThis query failed:\n([\s\S]*)\nError: ([\s\S]*)\nAnswer again/.exec(last);
      const question = failed ? last.slice(0, failed.index) : last;
      const answer = options.sql(question, {
        history,
        tables,
        failure: failed ? { sql: failed[1] ?? '', error: failed[2] ?? '' } : undefined,
      });
      content = JSON.stringify(
        typeof answer === 'string'
          ? { sql: answer, description: '' }
          : 'text' in answer
            ? { sql: '', description: '', text: answer.text }
            : { sql: answer.sql, description: answer.description ?? '' },
      );
    }
    return {
      id: `chatcmpl-genie-${messages.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.endpoint,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    };
  };
}
