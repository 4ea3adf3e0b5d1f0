// node examples/structured_output.mjs: the three structured-output methods.
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { z } from 'zod';
import { localWorkspace } from './_local.mjs';

const Project = z
  .object({ title: z.string(), year: z.number(), tags: z.array(z.string()) })
  .describe('An open-source project');

const { ws, auth } = await localWorkspace();
try {
  const llm = new ChatDatabricks({ model: 'databricks-meta-llama-3-3-70b-instruct', ...auth });
  for (const method of ['functionCalling', 'jsonSchema', 'jsonMode']) {
    const structured = llm.withStructuredOutput(Project, { method, name: 'project' });
    console.log(
      method,
      await structured.invoke('Describe Delta Lake as JSON with title, year and tags.'),
    );
  }
  const withRaw = await llm
    .withStructuredOutput(Project, { includeRaw: true })
    .invoke('Delta Lake?');
  console.log('includeRaw:', { parsed: withRaw.parsed, rawUsage: withRaw.raw.usage_metadata });
} finally {
  await ws.stop();
}
