// The benchmarked agent, JS side: a chat model that answers at once (LangChain's
// FakeListChatModel, streamed character by character), so the figures are the serving layer's.
import { FakeListChatModel } from '@langchain/core/utils/testing';

export const ANSWER = 'The answer is 42.';

export function makeAgent() {
  return new FakeListChatModel({ responses: [ANSWER] });
}
