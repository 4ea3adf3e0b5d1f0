/**
 * The demo runs from its built output alone: every import in `dist/` is a Node builtin, a package
 * the demo depends on, or a file of `dist/` itself; no dynamic import whose target cannot be read
 * from the code, no path built from `import.meta.url` that climbs out of the package (as the demo
 * once did to reach `tooling/` and `packages/mlflow-tracking/scripts/`).
 *
 * The build goes to a temporary directory with the package's own tsup config, so this test does
 * not race the end-to-end tests that build `dist/`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { init, parse } from 'es-module-lexer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const appDir = join(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'lakechain-demo-dist-'));
  execFileSync(join(appDir, '../../node_modules/.bin/tsup'), ['--silent', '--out-dir', outDir], {
    cwd: appDir,
    stdio: 'ignore',
  });
  await init;
}, 120_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** The package a bare specifier names (`@scope/name/sub` -> `@scope/name`). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** Why `specifier`, imported from `file`, reaches outside the package (undefined when it does not). */
function outsideReach(
  specifier: string | undefined,
  file: string,
  root: string,
  dependencies: ReadonlySet<string>,
): string | undefined {
  if (specifier === undefined) return 'a dynamic import whose target is computed at run time';
  if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) {
    const target = resolve(join(file, '..'), specifier.replace(/^file:\/\//, ''));
    const inside = relative(root, target);
    return inside.startsWith('..') || resolve(root, inside) !== target
      ? `${specifier} resolves to ${target}, outside the built output`
      : undefined;
  }
  return dependencies.has(packageOf(specifier))
    ? undefined
    : `${specifier} is not a dependency in apps/demo/package.json`;
}

describe('apps/demo/dist', () => {
  test('imports only builtins, its dependencies and its own files', () => {
    const dependencies = new Set(Object.keys(manifest.dependencies));
    const files = readdirSync(outDir).filter((name) => name.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['cli.js', 'eval.js']));
    const problems: string[] = [];
    let imports = 0;
    for (const name of files) {
      const file = join(outDir, name);
      const source = readFileSync(file, 'utf8');
      for (const entry of parse(source)[0]) {
        if (entry.type !== 'static' && entry.type !== 'reexport-star' && entry.type !== 'dynamic')
          continue;
        imports++;
        const problem = outsideReach(entry.specifier, file, outDir, dependencies);
        if (problem) problems.push(`${name}: ${problem}`);
      }
      // Paths built from the module's own URL: `new URL('../../x', import.meta.url)`.
      for (const match of source.matchAll(
        /new URL\(\s*(['"`])([^'"`]*)\1\s*,\s*import\.meta\.url/g,
      )) {
        const problem = outsideReach(match[2], file, outDir, dependencies);
        if (problem) problems.push(`${name}: new URL(${match[2]}): ${problem}`);
      }
      if (/\brepositoryRoot\b|\btooling\/models\b|\bpackages\/[\w-]+\/scripts\b/.test(source))
        problems.push(`${name}: mentions a repository path (tooling/, packages/*/scripts/)`);
    }
    expect(imports).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  test('the check itself: what it accepts and what it refuses', () => {
    const dependencies = new Set(['@lakechain/core', 'ora']);
    const root = '/app/dist';
    const file = '/app/dist/cli.js';
    expect(outsideReach('node:fs', file, root, dependencies)).toBeUndefined();
    expect(outsideReach('fs', file, root, dependencies)).toBeUndefined();
    expect(outsideReach('./chunk-1.js', file, root, dependencies)).toBeUndefined();
    expect(outsideReach('@lakechain/core', file, root, dependencies)).toBeUndefined();
    expect(outsideReach('ora', file, root, dependencies)).toBeUndefined();
    expect(outsideReach('../../tooling/models/fetch-model.mjs', file, root, dependencies)).toMatch(
      /outside the built output/,
    );
    expect(outsideReach('@lakechain/dolly', file, root, dependencies)).toMatch(/not a dependency/);
    expect(outsideReach(undefined, file, root, dependencies)).toMatch(/computed at run time/);
  });
});
