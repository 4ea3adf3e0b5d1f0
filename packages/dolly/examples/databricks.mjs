// Dolly on a Databricks Model Serving custom-model endpoint. Runs offline: a local workspace
// (@lakechain/local-workspace) plays the endpoint. Against a real workspace, drop the local
// workspace, set DATABRICKS_HOST and DATABRICKS_TOKEN, and use your endpoint's name.
//   pnpm build && node examples/databricks.mjs

import { DOLLY_PROMPT, Dolly, DollyOutputParser } from '@lakechain/dolly';
import { scriptedCustomModel, startLocalWorkspace } from '@lakechain/local-workspace';

const ws = await startLocalWorkspace({
  samples: false,
  servingEndpoints: [
    {
      name: 'dolly-v2-3b',
      task: 'custom',
      // A stand-in for the MLflow-served pipeline: {prompt, stop, max_new_tokens, ...} records in.
      handler: scriptedCustomModel((records) =>
        records.map(() => 'Delta Lake is an open table format with ACID transactions.\n\n### End'),
      ),
    },
  ],
});

try {
  const dolly = new Dolly({
    backend: {
      type: 'databricks',
      model: 'dolly-v2-3b',
      host: ws.host,
      token: ws.token,
      caCert: ws.caCert,
    },
  });
  console.log(await dolly.invoke('What is Delta Lake?'));

  const chain = DOLLY_PROMPT.pipe(dolly).pipe(new DollyOutputParser());
  console.log(
    await chain.invoke({
      instruction: 'Summarise the passage.',
      context: 'Delta Lake adds ACID transactions to Parquet tables.',
    }),
  );
  console.log(
    'request the endpoint received:',
    JSON.stringify(ws.serving.requestsFor('dolly-v2-3b')[0].body, null, 2),
  );
  await dolly.close();
} finally {
  await ws.stop();
}
