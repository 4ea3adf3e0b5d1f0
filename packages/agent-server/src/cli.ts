/**
 * `lakechain-agent`: serve an agent (a module, or a chain registered in MLflow) over the
 * Databricks agent protocol, write the Databricks Apps files for it, and deploy it.
 *
 *   lakechain-agent serve agent.mjs [--export name] [--port 8000]
 *   lakechain-agent serve --model models:/main.default.support_bot/3
 *   lakechain-agent init [dir] --entry agent.mjs
 *   lakechain-agent deploy --name support-bot [--source .] [--profile DEFAULT]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { deployApp } from './deploy.js';
import { type AgentSource, loadAgentModule, loadRegisteredAgent } from './load.js';
import { AgentServer } from './server.js';
import { VERSION } from './version.js';

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError('expected a whole number');
  return parsed;
}

const program = new Command()
  .name('lakechain-agent')
  .description(
    'Serve a LangChain.js chain or agent as a Databricks agent, and deploy it to Databricks Apps.',
  )
  .version(VERSION);

program
  .command('serve')
  .description('Serve an agent on /invocations and /responses (Databricks agent protocol).')
  .argument('[entry]', 'module exporting the agent (default export, or --export)')
  .option('--export <name>', 'the export of the module to serve')
  .option(
    '--model <uri>',
    'serve a chain registered in MLflow: models:/<name>/<version> or runs:/<run>/<path>',
  )
  .option(
    '--model-dir <dir>',
    'serve a downloaded chain folder (its meta.json names the entry point)',
  )
  .option('--port <port>', 'port (default DATABRICKS_APP_PORT, else 8000)', positiveInteger)
  .option('--host <host>', 'interface (default 0.0.0.0 on Databricks Apps, else 127.0.0.1)')
  .option('--name <name>', 'agent name (default DATABRICKS_APP_NAME)')
  .option('--input-style <style>', 'auto, messages-state, messages or chain', 'auto')
  .option('--input-key <key>', 'for a plain chain: the input variable of the user message', 'input')
  .option('--max-concurrency <n>', 'requests running at once', positiveInteger, 8)
  .option('--max-queue <n>', 'requests waiting for a slot', positiveInteger, 64)
  .option('--no-tracing', 'do not trace requests to MLflow')
  .action(async (entry: string | undefined, flags: Record<string, unknown>) => {
    let agent: AgentSource;
    if (flags.model) agent = (await loadRegisteredAgent(String(flags.model))).agent;
    else if (flags.modelDir) {
      const directory = resolve(String(flags.modelDir));
      const meta = JSON.parse(readFileSync(join(directory, 'meta.json'), 'utf8')) as {
        serving?: { entry_point?: string; export?: string };
      };
      if (!meta.serving?.entry_point)
        throw new Error(
          `${directory}/meta.json records no entry point (logChain's serving option).`,
        );
      agent = await loadAgentModule(join(directory, meta.serving.entry_point), {
        exportName: meta.serving.export,
      });
    } else if (entry)
      agent = await loadAgentModule(entry, { exportName: flags.export as string | undefined });
    else
      throw new Error(
        'Give the module to serve (lakechain-agent serve agent.mjs), --model or --model-dir.',
      );
    const server = new AgentServer({
      agent,
      ...(flags.name ? { name: String(flags.name) } : {}),
      inputStyle: flags.inputStyle as 'auto',
      inputKey: String(flags.inputKey),
      maxConcurrency: flags.maxConcurrency as number,
      maxQueue: flags.maxQueue as number,
      ...(flags.tracing === false ? { tracing: false as const } : {}),
    });
    const { url } = await server.listen({
      ...(flags.port !== undefined ? { port: flags.port as number } : {}),
      ...(flags.host ? { hostname: String(flags.host) } : {}),
    });
    console.log(
      `lakechain-agent: serving ${server.name} at ${url} (POST /invocations, POST /responses)`,
    );
    const stop = (signal: string) => {
      console.log(`lakechain-agent: ${signal}, draining requests in flight`);
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

program
  .command('init')
  .description('Write app.yaml and package.json for Databricks Apps (existing files are kept).')
  .argument('[dir]', 'the app folder', '.')
  .option('--entry <module>', 'the module exporting the agent', 'agent.mjs')
  .option(
    '--model <uri>',
    'serve a registered chain (models:/<name>/<version>) instead of a module',
  )
  .action((dir: string, flags: { entry: string; model?: string }) => {
    const folder = resolve(dir);
    mkdirSync(folder, { recursive: true });
    const templates = join(dirname(fileURLToPath(import.meta.url)), '..', 'templates');
    const write = (file: string, content: string) => {
      const path = join(folder, file);
      if (existsSync(path)) return console.log(`kept ${path}`);
      writeFileSync(path, content);
      console.log(`wrote ${path}`);
    };
    write('app.yaml', readFileSync(join(templates, 'app.yaml'), 'utf8'));
    const start = flags.model
      ? `lakechain-agent serve --model ${flags.model}`
      : `lakechain-agent serve ${flags.entry}`;
    write(
      'package.json',
      `${JSON.stringify(
        {
          name: `${folder.split(/[\\/]/).pop() ?? 'agent'}`
            .toLowerCase()
            .replace(/[^a-z0-9-]/g, '-'),
          private: true,
          type: 'module',
          scripts: { start },
          dependencies: {
            '@lakechain/agent-server': `^${VERSION}`,
            '@lakechain/databricks-llm': '*',
            '@langchain/core': '^1.4.0',
            langchain: '^1.5.0',
          },
          engines: { node: '>=20' },
        },
        null,
        2,
      )}\n`,
    );
  });

program
  .command('deploy')
  .description('Upload the app folder to the workspace and deploy it with the Apps API.')
  .requiredOption('--name <name>', 'the app name (lowercase letters, digits, hyphens)')
  .option('--source <dir>', 'the app folder', '.')
  .option(
    '--workspace-path <path>',
    'where the source goes (default /Workspace/Users/<you>/apps/<name>)',
  )
  .option('--description <text>', 'the app description')
  .option('--profile <profile>', 'the ~/.databrickscfg profile')
  .option('--host <url>', 'the workspace URL (default DATABRICKS_HOST)')
  .action(
    async (flags: {
      name: string;
      source: string;
      workspacePath?: string;
      description?: string;
      profile?: string;
      host?: string;
    }) => {
      const result = await deployApp({
        name: flags.name,
        sourceDir: resolve(flags.source),
        ...(flags.workspacePath ? { workspacePath: flags.workspacePath } : {}),
        ...(flags.description ? { description: flags.description } : {}),
        ...(flags.profile ? { profile: flags.profile } : {}),
        ...(flags.host ? { host: flags.host } : {}),
        onProgress: (message) => console.log(message),
      });
      console.log(result.url);
    },
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`lakechain-agent: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
