#!/usr/bin/env node
// Measures what `npm install @lakechain/<package>` costs a user: packs every workspace package
// (pnpm pack rewrites workspace: ranges to versions), installs one package at a time into an
// empty project with npm (other @lakechain packages from the local tarballs, everything else from
// the registry; required peers such as @langchain/core are installed as a user would), and
// reports the size of node_modules and the number of packages. Writes docs/INSTALL_SIZES.md.
//
// Usage: pnpm build && node scripts/install-size.mjs [package-name ...]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');
const names = readdirSync(packagesDir).filter((dir) =>
  readdirSync(join(packagesDir, dir)).includes('package.json'),
);
const wanted = process.argv.slice(2);
const scratch = mkdtempSync(join(tmpdir(), 'lakechain-size-'));
const tarballs = join(scratch, 'tarballs');
mkdirSync(tarballs);

const manifests = new Map();
for (const dir of names) {
  const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'));
  manifests.set(manifest.name, manifest);
  execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
    cwd: join(packagesDir, dir),
    stdio: 'ignore',
  });
}
const tarballOf = (name) => {
  const prefix = name.replace('@', '').replace('/', '-');
  const file = readdirSync(tarballs).find((entry) => entry.startsWith(`${prefix}-`));
  return join(tarballs, file);
};

function directorySize(path) {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}

const rows = [];
for (const [name, manifest] of manifests) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const project = join(scratch, name.replace('/', '_'));
  mkdirSync(project);
  // Local @lakechain dependencies come from the tarballs, as they would from the registry.
  const overrides = Object.fromEntries(
    [...manifests.keys()]
      .filter((other) => other !== name)
      .map((other) => [other, `file:${tarballOf(other)}`]),
  );
  const requiredPeers = Object.entries(manifest.peerDependencies ?? {})
    .filter(([peer]) => !manifest.peerDependenciesMeta?.[peer]?.optional)
    .map(([peer, range]) => `${peer}@${range}`);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'size-probe', private: true, overrides }, null, 2),
  );
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--omit=dev', tarballOf(name), ...requiredPeers],
    { cwd: project, stdio: 'ignore' },
  );
  const modules = join(project, 'node_modules');
  const count = Number(
    execFileSync(
      'sh',
      [
        '-c',
        `find "${modules}" -name package.json -path "*node_modules/*/package.json" -not -path "*/node_modules/*/node_modules/*/*" | wc -l`,
      ],
      {
        encoding: 'utf8',
      },
    ).trim(),
  );
  const peersSize = requiredPeers.length
    ? requiredPeers
        .map((peer) => peer.slice(0, peer.lastIndexOf('@')))
        .map((peer) => directorySize(join(modules, peer)))
        .reduce((a, b) => a + b, 0)
    : 0;
  rows.push({
    name,
    total: directorySize(modules),
    peers: requiredPeers.join(', '),
    peersSize,
    count,
  });
  console.log(`${name}: ${(directorySize(modules) / 1e6).toFixed(1)} MB`);
}
rmSync(scratch, { recursive: true, force: true });

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const table = [
  '| Package | node_modules after `npm install` | Required peers installed alongside (size of their own folders) | Packages |',
  '|---|---:|---|---:|',
  ...rows.map(
    (row) =>
      `| \`${row.name}\` | ${mb(row.total)} | ${row.peers ? `${row.peers} (${mb(row.peersSize)})` : 'none'} | ${row.count} |`,
  ),
];
const doc = `# Install sizes

What \`npm install <package>\` puts in an empty project's \`node_modules\` (production
dependencies only, Linux x64, Node ${process.version}), measured by \`node scripts/install-size.mjs\`
on ${new Date().toISOString().slice(0, 10)}. Required peer dependencies are installed too, as a
user must; optional peers (node-llama-cpp for local models) are not.

${table.join('\n')}

Heavy pieces stay out of the light packages: DuckDB and the Thrift server live only in
\`@lakechain/local-workspace\`; node-llama-cpp is an optional peer of the packages that run local
models and is never installed by \`@lakechain/databricks-sql\` or \`@lakechain/databricks-llm\`.
`;
writeFileSync(join(root, 'docs', 'INSTALL_SIZES.md'), doc);
console.log(doc);
