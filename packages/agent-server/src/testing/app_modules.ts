/**
 * Test support: a `node_modules` folder for apps deployed to the local workspace, with the
 * packages an agent module imports linked from this repository (the local workspace links it into
 * each deployment instead of running `npm install`, which would need the registry).
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Linked packages: this package and the ones an agent module of the tests imports. */
const LINKED = ['@lakechain/databricks-llm', '@langchain/core', 'langchain', 'zod'];

export function appNodeModules(): { path: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'lakechain-app-modules-'));
  const modules = join(root, 'node_modules');
  const link = (name: string, target: string) => {
    const path = join(modules, name);
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(target, path, 'dir');
  };
  link('@lakechain/agent-server', packageDir);
  for (const name of LINKED) link(name, realpathSync(join(packageDir, 'node_modules', name)));
  mkdirSync(join(modules, '.bin'), { recursive: true });
  symlinkSync(
    join(packageDir, 'bin', 'lakechain-agent.mjs'),
    join(modules, '.bin', 'lakechain-agent'),
  );
  return { path: modules, remove: () => rmSync(root, { recursive: true, force: true }) };
}
