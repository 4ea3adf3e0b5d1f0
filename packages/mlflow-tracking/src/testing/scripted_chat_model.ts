/**
 * A deterministic chat model for tests: replays scripted AI messages (text, tool calls, usage
 * metadata), supports bindTools (tools reach invocation params in OpenAI form) and streaming.
 */
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
} from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';

export interface ScriptedReply {
  content: string;
  toolCalls?: { id: string; name: string; args: Record<string, unknown> }[];
  usage?: { input_tokens: number; output_tokens: number; total_tokens: number };
  /** Throw instead of answering. */
  error?: string;
}

interface ScriptedCallOptions extends BaseChatModelCallOptions {
  tools?: StructuredToolInterface[];
}

export class ScriptedChatModel extends BaseChatModel<ScriptedCallOptions> {
  replies: ScriptedReply[];
  private index = 0;
  boundTools: StructuredToolInterface[] = [];

  constructor(replies: ScriptedReply[]) {
    super({});
    this.replies = replies;
  }

  static override lc_name() {
    return 'ScriptedChatModel';
  }

  _llmType(): string {
    return 'scripted-chat';
  }

  override invocationParams(options?: this['ParsedCallOptions']) {
    const tools = options?.tools ?? this.boundTools;
    return {
      model: 'scripted-1',
      temperature: 0,
      ...(tools.length > 0 ? { tools: tools.map((t) => convertToOpenAITool(t)) } : {}),
    };
  }

  override bindTools(tools: StructuredToolInterface[]) {
    const bound = new ScriptedChatModel(this.replies);
    bound.boundTools = tools;
    bound.index = this.index;
    // Share the cursor so an agent loop advances through one script.
    return Object.assign(bound, { next: () => this.next() }) as unknown as this;
  }

  next(): ScriptedReply {
    const reply = this.replies[this.index % this.replies.length];
    this.index++;
    if (!reply) throw new Error('no scripted reply');
    return reply;
  }

  private message(reply: ScriptedReply): AIMessage {
    return new AIMessage({
      content: reply.content,
      tool_calls: reply.toolCalls?.map((c) => ({ ...c, type: 'tool_call' as const })) ?? [],
      usage_metadata: reply.usage,
      response_metadata: { model_name: 'scripted-1' },
    });
  }

  async _generate(_messages: BaseMessage[]): Promise<ChatResult> {
    const reply = (this as unknown as { next: () => ScriptedReply }).next();
    if (reply.error) throw new Error(reply.error);
    const message = this.message(reply);
    return {
      generations: [{ text: reply.content, message, generationInfo: { finish_reason: 'stop' } }],
    };
  }

  override async *_streamResponseChunks(
    _messages: BaseMessage[],
    _options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const reply = (this as unknown as { next: () => ScriptedReply }).next();
    if (reply.error) throw new Error(reply.error);
    const words = reply.content.split(/(?<= )/);
    for (const [i, word] of words.entries()) {
      const last = i === words.length - 1;
      const chunk = new ChatGenerationChunk({
        text: word,
        message: new AIMessageChunk({
          content: word,
          ...(last && reply.usage ? { usage_metadata: reply.usage } : {}),
        }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(
        word,
        { prompt: 0, completion: 0 },
        undefined,
        undefined,
        undefined,
        { chunk },
      );
    }
  }
}
