import type { BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { FakeListChatModel } from '@langchain/core/utils/testing';

/**
 * A chat model that answers with canned strings in order. `FakeListChatModel` echoes the first
 * stop sequence when one is bound (the SQL chains bind "\nSQLResult:"), so this one ignores
 * stop sequences, as a real model that never emits them would.
 */
export class ScriptedChatModel extends FakeListChatModel {
  readonly prompts: string[] = [];

  override async _generate(
    messages: BaseMessage[],
    options?: this['ParsedCallOptions'],
  ): Promise<ChatResult> {
    this.prompts.push(messages.map((m) => String(m.content)).join('\n'));
    return super._generate(messages, {
      ...(options ?? {}),
      stop: undefined,
    } as this['ParsedCallOptions']);
  }
}
