// node examples/chat.mjs: one question, one answer, token usage.
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { localWorkspace } from './_local.mjs';

const { ws, auth } = await localWorkspace();
try {
  const llm = new ChatDatabricks({
    model: 'databricks-meta-llama-3-3-70b-instruct',
    temperature: 0.1,
    ...auth,
  });
  const reply = await llm.invoke([
    ['system', 'You are a concise data engineering assistant.'],
    ['human', 'What is Delta Lake?'],
  ]);
  console.log(reply.content);
  console.log('usage:', reply.usage_metadata, 'model:', reply.response_metadata.model);
  // Releases the HTTP connections (with caCert, the connection pool made for it).
  await llm.close();
} finally {
  await ws.stop();
}
