/**
 * Conformance: Databricks' own LangChain integration, `databricks-langchain` 0.22 (on
 * `databricks-ai-search` 0.81), unchanged, against the local Vector Search:
 * `DatabricksVectorSearch` over a managed Delta Sync index and a Direct Access index (embeddings
 * from the workspace's serving endpoint through `DatabricksEmbeddings`), and
 * `VectorSearchRetrieverTool`. `node scripts/python-venv.mjs langchain` creates
 * packages/local-workspace/.venv-langchain (pinned by scripts/python-requirements/langchain.lock.txt).
 * Under CI a missing Python or venv fails with that command; elsewhere the test says why it skips.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { scriptedEmbeddings } from '../serving/scripted.js';

const run = promisify(execFile);
const packageDir = join(import.meta.dirname, '..', '..', '..');
const script = join(import.meta.dirname, 'testing', 'langchain_client.py');
const SETUP = 'node packages/local-workspace/scripts/python-venv.mjs langchain';

describe('Python databricks-langchain 0.22', () => {
  let ws: LocalWorkspace;
  let python = '';
  let directory = '';
  let unavailable = '';

  beforeAll(async () => {
    try {
      const setup = await run(
        'node',
        [join(packageDir, 'scripts', 'python-venv.mjs'), 'langchain'],
        {
          timeout: 900_000,
        },
      );
      python = setup.stdout.trim().split('\n').pop() ?? '';
    } catch (error) {
      unavailable = `the Python client could not be installed (${(error as Error).message.split('\n')[0]}); run \`${SETUP}\``;
      if (process.env.CI) throw new Error(unavailable);
      return;
    }
    ws = await startLocalWorkspace({
      catalog: { samples: false },
      serving: {
        endpoints: [
          {
            name: 'embed',
            task: 'llm/v1/embeddings',
            handler: scriptedEmbeddings({ dimensions: 8 }),
          },
        ],
      },
    });
    const session = await ws.engine.openSession({});
    for (const statement of [
      'CREATE TABLE main.default.lc_docs (id BIGINT, title STRING, url STRING, text STRING)',
      `INSERT INTO main.default.lc_docs VALUES
        (1, 'Delta', 'https://docs/delta', 'Delta Lake keeps a transaction log'),
        (2, 'Photon', 'https://docs/photon', 'Photon is a vectorized query engine'),
        (3, 'Unity', 'https://docs/unity', 'Unity Catalog governs data and AI assets')`,
    ])
      await (await session.execute(statement, {}, new AbortController().signal)).close();
    await session.close();
    directory = mkdtempSync(join(tmpdir(), 'lakechain-py-lc-'));
    writeFileSync(join(directory, 'ca.pem'), ws.caCert);
  }, 960_000);

  afterAll(async () => {
    await ws?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('DatabricksVectorSearch (managed and Direct Access) and VectorSearchRetrieverTool work unchanged', async (context) => {
    if (unavailable) {
      console.warn(`skipping: ${unavailable}`);
      context.skip();
    }
    const caFile = join(directory, 'ca.pem');
    const { stdout } = await run(python, [script, ws.host, ws.token, 'main.default.lc_docs'], {
      timeout: 300_000,
      cwd: directory,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        ...process.env,
        REQUESTS_CA_BUNDLE: caFile,
        SSL_CERT_FILE: caFile,
        DATABRICKS_HOST: ws.host,
        DATABRICKS_TOKEN: ws.token,
        DATABRICKS_CONFIG_PROFILE: '',
        MLFLOW_TRACKING_URI: '',
        PYTHONWARNINGS: 'ignore',
      },
    });
    const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    // Managed embeddings: the query text is embedded by the workspace; an identical text is at
    // distance 0, so score 1. metadata follows MLflow's retriever schema (doc_uri, chunk_id).
    expect(out.managed_top).toEqual({
      page_content: 'Photon is a vectorized query engine',
      metadata: { title: 'Photon', chunk_id: 2, doc_uri: 'https://docs/photon', score: 1 },
    });
    expect(out.managed_count).toBe(2);
    expect(out.managed_filtered_titles).toEqual(['Delta', 'Unity']);
    // Only Photon's text has the keywords, so reciprocal rank fusion puts it first.
    expect(out.hybrid_first).toBe('Photon');
    expect(out.hybrid_scores_descending).toBe(true);
    expect(out.retriever).toEqual(['Unity Catalog governs data and AI assets']);
    expect(out.managed_with_embedding_error).toMatch(/Databricks-managed embeddings/);
    // Direct Access: DatabricksEmbeddings calls the workspace's embeddings endpoint.
    expect(out.added).toBe(4);
    expect(out.direct_rows).toBe(4);
    expect(out.direct_top).toEqual({ page_content: 'spinach is green', topic: 'vegetable' });
    expect(out.direct_filtered).toEqual(['apples are red', 'bananas are yellow']);
    expect(out.by_vector).toBe('the sky is blue');
    expect(out.mmr).toHaveLength(2);
    expect(out.mmr[0]).toBe('apples are red');
    expect(out.after_delete).toBe(3);
    // The tool: its description lists the index's columns from Unity Catalog (BIGINT is LONG there).
    expect(out.tool_name).toBe('lakechain_docs');
    expect(out.tool_description).toContain('source table main.default.lc_docs');
    expect(out.tool_description).toContain('id (LONG)');
    expect(out.tool_description).toContain('title (STRING)');
    expect(out.tool_args).toEqual(['filters', 'query']);
    expect(out.tool_result).toContain("'title': 'Photon'");
    expect(out.tool_result).toContain("'doc_uri': 'https://docs/photon'");
    expect(out.tool_result).not.toContain("'title': 'Delta'");
    expect(out.default_tool_name).toBe('main__default__lc_docs_index');
    expect(out.plain_result).toMatch(/^\[Document\(metadata=\{'id': \d\}/);
    expect(out.missing_error).toBe('NotFound');
    // The embeddings endpoint served the index's sync, the managed queries and DatabricksEmbeddings.
    const embedded = ws.serving.requests().filter((request) => request.endpoint === 'embed');
    const fromPython = embedded.filter(
      (request) => request.headers['user-agent'] !== 'lakechain-local-vector-search',
    );
    expect(fromPython.length).toBeGreaterThan(0);
    expect(fromPython[0]?.path).toBe('/serving-endpoints/embed/invocations');
  }, 300_000);
});
