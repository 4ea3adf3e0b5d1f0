/**
 * Which protocol a serving endpoint speaks, and where to send it. Foundation Model and external
 * endpoints speak chat completions (`/serving-endpoints/{name}/invocations`) and the Responses API
 * (`/serving-endpoints/responses`, the endpoint in `model`); agents logged with MLflow say what
 * they are in the endpoint's `task`: `agent/v1/responses` (ResponsesAgent: Responses requests on
 * its invocations URL) or `agent/v2/chat` (ChatAgent). AI Gateway routes and Databricks Apps
 * (`model: 'apps/<name>'`) are models and agents of their own kind, with their own paths.
 */
import type { EndpointInfo } from './serving.js';

export type EndpointApi = 'chat-completions' | 'responses' | 'chat-agent' | 'responses-agent';

/** Endpoint tasks that name an agent protocol. `agent/v1/chat` (ChatModel) is chat completions. */
const AGENT_TASKS: Record<string, EndpointApi> = {
  'agent/v1/responses': 'responses-agent',
  'agent/v2/chat': 'chat-agent',
};

/** Tasks of model endpoints: their tool calls are always the caller's. */
const MODEL_TASKS = new Set(['llm/v1/chat', 'llm/v1/completions']);

export interface EndpointRoute {
  api: EndpointApi;
  /** Workspace path, or a path on the app's host when `app` is set. */
  path: string;
  /** The body names the endpoint in `model` (OpenAI-style routes). */
  sendModel: boolean;
  /**
   * An agent may run tools itself: its function calls are told apart from the caller's only when
   * the answer is complete (a call followed by its output is the agent's).
   */
  agent: boolean;
  /** A Databricks App: the path is on its URL. */
  app?: string;
}

export interface ResolveOptions {
  model: string;
  endpointApi: 'auto' | EndpointApi;
  useResponsesApi: boolean;
  gateway?: 'mlflow' | 'openai';
  describe(name: string): Promise<EndpointInfo>;
  invocationsPath(name: string): string;
}

export async function resolveEndpointApi(options: ResolveOptions): Promise<EndpointRoute> {
  const { model } = options;
  if (options.gateway) {
    const base = `/ai-gateway/${options.gateway}/v1`;
    return options.useResponsesApi || options.endpointApi === 'responses'
      ? { api: 'responses', path: `${base}/responses`, sendModel: true, agent: false }
      : {
          api: 'chat-completions',
          path: `${base}/chat/completions`,
          sendModel: true,
          agent: false,
        };
  }
  if (model.startsWith('apps/')) {
    // An agent served by Databricks Apps (MLflow's AgentServer): Responses requests on /responses.
    return {
      api: 'responses-agent',
      path: '/responses',
      sendModel: false,
      agent: true,
      app: model.slice('apps/'.length),
    };
  }
  const invocations = options.invocationsPath(model);
  const responses = (agent: boolean): EndpointRoute => ({
    api: 'responses',
    path: '/serving-endpoints/responses',
    sendModel: true,
    agent,
  });
  switch (options.endpointApi) {
    case 'chat-completions':
      return { api: 'chat-completions', path: invocations, sendModel: false, agent: false };
    case 'responses':
      return responses(false);
    case 'responses-agent':
      return { api: 'responses-agent', path: invocations, sendModel: false, agent: true };
    case 'chat-agent':
      return { api: 'chat-agent', path: invocations, sendModel: false, agent: true };
  }
  const { task } = await options.describe(model);
  const agentApi = task ? AGENT_TASKS[task] : undefined;
  if (agentApi) return { api: agentApi, path: invocations, sendModel: false, agent: true };
  if (options.useResponsesApi) return responses(!(task && MODEL_TASKS.has(task)));
  return { api: 'chat-completions', path: invocations, sendModel: false, agent: false };
}
