import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * The shared test preset: unit tests (`*.test.ts`) and integration tests (`*.int.test.ts`, which
 * start loopback services) both run under `pnpm test`. Integration tests get longer timeouts.
 */
export function lakechainTest(packageDir: string, testTimeout = 30_000) {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return defineConfig({
    define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout,
      hookTimeout: 120_000,
      pool: 'forks',
      // Each test file gets a fresh environment; secrets set by a test never leak into the next.
      unstubEnvs: true,
    },
  });
}
