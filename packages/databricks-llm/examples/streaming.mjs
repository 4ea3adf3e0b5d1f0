// node examples/streaming.mjs: tokens as they arrive; usage arrives once, on the last chunk.
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { localWorkspace } from './_local.mjs';

const { ws, auth } = await localWorkspace();
try {
  const llm = new ChatDatabricks({ model: 'databricks-meta-llama-3-3-70b-instruct', ...auth });
  let full;
  for await (const chunk of await llm.stream('What is Delta Lake?')) {
    process.stdout.write(String(chunk.content));
    full = full ? full.concat(chunk) : chunk;
  }
  console.log('\nusage:', full?.usage_metadata);
} finally {
  await ws.stop();
}
