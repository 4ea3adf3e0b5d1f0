// Tests of check-package-files.mjs on generated package folders: one ready to publish, and one
// broken in each way the script must catch (the first is how every package looked before it).
// Run by the root `pnpm check:packages` (node --test).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkPackage } from './check-package-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const APACHE = readFileSync(join(root, 'packages', 'core', 'LICENSE'), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'lakechain-package-files-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const goodManifest = () => ({
  name: '@fixture/good',
  version: '0.0.0',
  license: 'Apache-2.0',
  type: 'module',
  exports: {
    '.': {
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', 'README.md', 'CHANGELOG.md', 'LICENSE'],
});

let counter = 0;
/** Writes a package folder: a good one, changed by `edit(files, manifest)`. */
function fixture(edit = () => {}) {
  const dir = join(scratch, `package-${counter++}`);
  const files = {
    'README.md': '# good\n\n```ts\nimport { hello } from "@fixture/good";\n```\n',
    'CHANGELOG.md': '# @fixture/good\n',
    LICENSE: APACHE,
    'dist/index.js': 'export {};\n',
    'dist/index.d.ts': 'export {};\n',
    'dist/index.cjs': 'module.exports = {};\n',
    'dist/index.d.cts': 'export {};\n',
  };
  const manifest = goodManifest();
  edit(files, manifest);
  for (const [path, text] of Object.entries(files)) {
    if (text === undefined) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

describe('check-package-files', () => {
  it('accepts a package that is ready to publish', () => {
    assert.deepEqual(checkPackage(fixture()), []);
  });

  it('catches what every package had before: no LICENSE, a CHANGELOG.md that does not exist', () => {
    const dir = fixture((files, manifest) => {
      files.LICENSE = undefined;
      files['CHANGELOG.md'] = undefined;
      manifest.files = ['dist', 'README.md', 'CHANGELOG.md'];
    });
    assert.deepEqual(checkPackage(dir), [
      '"files" names "CHANGELOG.md", which matches no file in the package.',
      'No LICENSE file, although package.json says "Apache-2.0": add the license text.',
    ]);
  });

  it('a LICENSE that is not listed in files, or is another license', () => {
    const unlisted = fixture((_files, manifest) => {
      manifest.files = ['dist', 'README.md', 'CHANGELOG.md'];
    });
    assert.deepEqual(checkPackage(unlisted), ['"files" does not list LICENSE: add "LICENSE".']);
    const wrong = fixture((files) => {
      files.LICENSE = 'MIT License\n\nPermission is hereby granted, free of charge, ...\n';
    });
    assert.deepEqual(checkPackage(wrong), [
      'LICENSE is not the Apache-2.0 text that package.json declares.',
    ]);
  });

  it('a README without a code example', () => {
    const dir = fixture((files) => {
      files['README.md'] = '# good\n\nIt does things.\n\n```sh\nnpm install good\n```\n';
    });
    assert.deepEqual(checkPackage(dir), [
      'README.md has no code example (a fenced ```ts or ```js block).',
    ]);
  });

  it('an exports map without ./package.json, without types, or with types not first', () => {
    const dir = fixture((_files, manifest) => {
      manifest.exports = {
        '.': {
          import: { default: './dist/index.js', types: './dist/index.d.ts' },
          require: { default: './dist/index.cjs' },
        },
        './extra': './dist/index.js',
      };
    });
    assert.deepEqual(checkPackage(dir), [
      'exports has no "./package.json": "./package.json" entry (tools read the manifest through it).',
      'exports["." → "import"]: "types" must be the first condition (TypeScript stops at the first match), found "default" first.',
      'exports["." → "require"] has "default" but no "types": TypeScript users of this entry get no declarations.',
      'exports["./extra"] is the bare path "./dist/index.js": add a condition object with "types" first.',
    ]);
  });

  it('exports pointing at files that are missing or not published', () => {
    const dir = fixture((files, manifest) => {
      files['dist/index.d.cts'] = undefined;
      files['lib/extra.js'] = 'export {};\n';
      files['lib/extra.d.ts'] = 'export {};\n';
      manifest.exports['./extra'] = { types: './lib/extra.d.ts', default: './lib/extra.js' };
    });
    assert.deepEqual(checkPackage(dir), [
      'exports points at ./dist/index.d.cts, which does not exist (run the build first).',
      'exports points at ./lib/extra.d.ts, which "files" does not publish.',
      'exports points at ./lib/extra.js, which "files" does not publish.',
    ]);
  });

  it('files globs and folders: an empty folder or a glob matching nothing is reported', () => {
    const dir = fixture((_files, manifest) => {
      manifest.files = ['dist/**/*.*js', 'dist/*.d.*ts', 'docs/*.md', 'README.md', 'LICENSE'];
    });
    mkdirSync(join(dir, 'docs'));
    assert.deepEqual(checkPackage(dir), [
      '"files" names "docs/*.md", which matches no file in the package.',
    ]);
    const emptyFolder = fixture((_files, manifest) => {
      manifest.files.push('bin');
    });
    mkdirSync(join(emptyFolder, 'bin'));
    assert.deepEqual(checkPackage(emptyFolder), [
      '"files" names "bin", which matches no file in the package.',
    ]);
  });

  it('the command exits 1 and lists the problems', () => {
    const dir = fixture((files) => {
      files.LICENSE = undefined;
    });
    const result = spawnSync(
      process.execPath,
      [join(root, 'scripts', 'check-package-files.mjs'), dir],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(result.status, 1);
    assert.match(result.stderr, /@fixture\/good\n/);
    assert.match(result.stderr, /\n {2}- No LICENSE file, although package.json says "Apache-2.0"/);
    const ok = spawnSync(process.execPath, [join(root, 'scripts', 'check-package-files.mjs')], {
      cwd: fixture(),
      encoding: 'utf8',
    });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /@fixture\/good ok/);
  });
});
