// node examples/driver_proxy.mjs: an LLM app on a cluster driver, through the driver proxy.
// On a real cluster, clusterId defaults to DATABRICKS_CLUSTER_ID (or the cluster you run on).
import { Databricks } from '@lakechain/databricks-llm';
import { localWorkspace } from './_local.mjs';

const { ws, auth } = await localWorkspace();
try {
  const llm = new Databricks({
    clusterId: ws.clusterId,
    clusterDriverPort: 7777,
    stop: ['### End'],
    ...auth,
  });
  console.log(await llm.invoke('Explain Unity Catalog in one sentence.'));
} finally {
  await ws.stop();
}
