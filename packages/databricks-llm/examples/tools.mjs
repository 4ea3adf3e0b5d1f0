// node examples/tools.mjs: bind a tool, run the call, send the result back.
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { localWorkspace } from './_local.mjs';

const getWeather = tool(async ({ city }) => `sunny and 21°C in ${city}`, {
  name: 'get_weather',
  description: 'Current weather for a city',
  schema: z.object({ city: z.string() }),
});

const { ws, auth } = await localWorkspace();
try {
  const llm = new ChatDatabricks({
    model: 'databricks-meta-llama-3-3-70b-instruct',
    ...auth,
  }).bindTools([getWeather], {
    tool_choice: 'any', // sent as "required"
  });
  const question = 'What is the weather in Amsterdam?';
  const first = await llm.invoke(question);
  console.log('tool calls:', first.tool_calls);
  const results = await Promise.all(first.tool_calls.map((call) => getWeather.invoke(call)));
  const final = await llm.invoke([['human', question], first, ...results]);
  console.log(final.content);
} finally {
  await ws.stop();
}
