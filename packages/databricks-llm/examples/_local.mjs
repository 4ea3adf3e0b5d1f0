// Shared by the examples: a local Databricks workspace with scripted serving endpoints and a
// driver-proxy app, so every example runs offline. Against a real workspace, drop this and set
// DATABRICKS_HOST plus DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID/SECRET) instead.
import { scriptedChat, scriptedEmbeddings, startLocalWorkspace } from '@lakechain/local-workspace';

export async function localWorkspace() {
  const ws = await startLocalWorkspace({
    samples: false,
    servingEndpoints: [
      {
        name: 'databricks-meta-llama-3-3-70b-instruct',
        task: 'llm/v1/chat',
        handler: scriptedChat((messages, body) => {
          const last = messages[messages.length - 1];
          if (last?.role === 'tool') return `It is ${last.content} right now.`;
          if (Array.isArray(body.tools) && body.tools.length > 0) {
            const name = body.tools[0].function.name;
            if (name === 'get_weather')
              return { toolCalls: [{ name, arguments: { city: 'Amsterdam' } }] };
            return {
              toolCalls: [
                { name, arguments: { title: 'Delta Lake', year: 2019, tags: ['storage', 'acid'] } },
              ],
            };
          }
          if (body.response_format)
            return '{"title":"Delta Lake","year":2019,"tags":["storage","acid"]}';
          return 'Delta Lake is an open-source storage layer that brings ACID transactions to data lakes.';
        }),
      },
      {
        name: 'databricks-gte-large-en',
        task: 'llm/v1/embeddings',
        handler: scriptedEmbeddings({ dimensions: 8 }),
      },
    ],
    driverProxyApps: [
      {
        port: 7777,
        // An "app" on the cluster driver: {prompt, stop} in, a string out (Dolly-style server).
        handler: (body) => `Answer from the driver app to: ${body.prompt}`,
      },
    ],
  });
  // What a user passes in real life (or puts in the environment).
  const auth = { host: ws.host, token: ws.token, caCert: ws.caCert };
  return { ws, auth };
}
