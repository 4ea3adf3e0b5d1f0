import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, mergeConfig, type UserConfig } from 'vitest/config';

export interface LakechainTestOptions {
  /** Per-test timeout; integration tests that load models or start servers need more. */
  testTimeout?: number;
  /**
   * Global setup files that start peers for the integration tests (a real MLflow server, say).
   * Never run in unit mode.
   */
  integrationGlobalSetup?: string[];
  /** More vitest settings, merged over the preset. */
  overrides?: UserConfig;
}

/**
 * The shared test preset. `vitest run` (what `pnpm test` runs) takes unit tests (`*.test.ts`) and
 * integration tests (`*.int.test.ts`, which start loopback peers: the local workspace, a real
 * MLflow server, Python clients in project-local virtualenvs, local models). `vitest run --mode
 * unit` (what `pnpm test:unit` runs) takes the unit tests only and starts no peer: no Python, no
 * virtualenv, no model.
 */
export function lakechainTest(packageDir: string, options: LakechainTestOptions | number = {}) {
  const settings: LakechainTestOptions =
    typeof options === 'number' ? { testTimeout: options } : options;
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return defineConfig(({ mode }) => {
    const unitOnly = mode === 'unit';
    const base: UserConfig = {
      define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
      test: {
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        exclude: unitOnly
          ? ['**/node_modules/**', '**/dist/**', '**/*.int.test.ts']
          : ['**/node_modules/**', '**/dist/**'],
        globalSetup: unitOnly ? [] : (settings.integrationGlobalSetup ?? []),
        testTimeout: settings.testTimeout ?? 30_000,
        hookTimeout: 120_000,
        pool: 'forks',
        // Each test file gets a fresh environment; secrets set by a test never leak into the next.
        unstubEnvs: true,
      },
    };
    return settings.overrides ? mergeConfig(base, settings.overrides) : base;
  });
}
