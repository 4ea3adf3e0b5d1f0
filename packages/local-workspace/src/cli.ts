/**
 * `lakechain-local start [--port N] [--data DIR] [--token T] [--host 127.0.0.1]`: runs a local
 * Databricks workspace until SIGINT/SIGTERM and prints everything a client needs to reach it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalWorkspace } from './workspace.js';

const USAGE = `Usage: lakechain-local start [options]
       lakechain-local models list|fetch|verify [name]   (see lakechain-local models --help)

Starts a Databricks workspace on localhost: a SQL warehouse (Thrift over HTTPS, DuckDB inside,
sample catalog "samples"), Model Serving endpoints, OAuth, and MLflow (tracking, traces, Unity
Catalog model registry). Runs until Ctrl+C.

Options:
  --port N          TCP port (default: a free port)
  --host ADDRESS    interface to listen on (default: 127.0.0.1)
  --data DIR        load DIR/<catalog>/<schema>/<table>.(csv|parquet) as tables
  --token T         the personal access token to accept (default: random dapi… token)
  --warehouse-id ID the SQL warehouse id (default: random)
  --no-samples      do not generate the samples catalog
  -h, --help        show this help
`;

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

  const workspace = await startLocalWorkspace({
    port,
    host: values.host,
    token: values.token,
    warehouseId: values['warehouse-id'],
    dataDir: values.data,
    samples: !values['no-samples'],
  });
  const directory = mkdtempSync(join(tmpdir(), 'lakechain-local-'));
  const caFile = join(directory, 'ca.pem');
  writeFileSync(caFile, workspace.caCert);

  const lines = [
    'lakechain local workspace is running',
    `  host:          ${workspace.host}`,
    `  token:         ${workspace.token}`,
    `  warehouse id:  ${workspace.warehouseId}`,
    `  http path:     ${workspace.httpPath}`,
    `  cluster id:    ${workspace.clusterId}`,
    `  cluster path:  ${workspace.clusterHttpPath}`,
    `  CA file:       ${caFile}`,
    `  oauth client:  ${workspace.oauth.clientId}`,
    `  oauth secret:  ${workspace.oauth.clientSecret}`,
    '',
    '# Point a client at it:',
    // MLflow clients reach the workspace's MLflow with the same host and token.
    ...Object.entries({
      ...workspace.env(),
      NODE_EXTRA_CA_CERTS: caFile,
      MLFLOW_TRACKING_URI: 'databricks',
    }).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    '',
    'Press Ctrl+C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('Stopping...\n');
  await workspace.stop();
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
