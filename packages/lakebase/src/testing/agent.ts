/**
 * Test support (not exported): a small LangGraph.js tool-calling agent. `ChatDatabricks` calls
 * a scripted chat endpoint of the local workspace that asks for the `research` tool three
 * times (one step at a time), then answers with what the tool found. Every message carries the
 * thread's topic, so threads that mixed would show it.
 */
import { ChatDatabricks } from '@lakechain/databricks-llm';
import {
  type ChatMessageInput,
  type ServingHandler,
  scriptedChat,
} from '@lakechain/local-workspace';
import { tool } from '@langchain/core/tools';
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { z } from 'zod';

export const RESEARCH_STEPS = 3;

/** The chat endpoint's script: research step 1, 2, 3, then the answer. */
export function researchAgentChat(): ServingHandler {
  return scriptedChat((messages: ChatMessageInput[]) => {
    const question = String(messages.find((message) => message.role === 'user')?.content ?? '');
    const findings = messages
      .filter((message) => message.role === 'tool')
      .map((m) => String(m.content));
    if (findings.length < RESEARCH_STEPS) {
      return {
        toolCalls: [
          {
            // One id per step: the default scripted id repeats across turns.
            id: `research-${findings.length + 1}`,
            name: 'research',
            arguments: { topic: question, step: findings.length + 1 },
          },
        ],
      };
    }
    return `Answer about ${question}: ${findings.join(' | ')}`;
  });
}

export function createResearchAgent(options: {
  checkpointer: BaseCheckpointSaver;
  workspace: { host: string; token: string; caCert: string };
  /** Called as each research step runs (before it returns). */
  onStep?: (topic: string, step: number) => void | Promise<void>;
}) {
  const research = tool(
    async ({ topic, step }: { topic: string; step: number }) => {
      await options.onStep?.(topic, step);
      return `finding ${step} on ${topic}`;
    },
    {
      name: 'research',
      description: 'Looks one step further into a topic.',
      schema: z.object({ topic: z.string(), step: z.number().int() }),
    },
  );
  const model = new ChatDatabricks({
    endpoint: 'agent-chat',
    host: options.workspace.host,
    token: options.workspace.token,
    caCert: options.workspace.caCert,
    env: {},
  }).bindTools([research]);
  return new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode('tools', new ToolNode([research]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition)
    .addEdge('tools', 'agent')
    .compile({ checkpointer: options.checkpointer });
}
