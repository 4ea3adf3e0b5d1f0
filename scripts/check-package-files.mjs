#!/usr/bin/env node
// What publint and arethetypeswrong do not check, for a package about to be published:
//   - a LICENSE file that matches the `license` field, listed in `files`;
//   - every `files` entry matches something (a CHANGELOG.md that does not exist, a renamed folder);
//   - a README with at least one code example (a fenced ts/js block);
//   - an `exports` map that exposes `./package.json` and gives every entry point its types,
//     first in each condition block, pointing at files that exist once built.
//
// Usage: node scripts/check-package-files.mjs [package-dir ...]   (default: the current directory)
// Each package's `check:packages` runs it after publint and attw. Exit code 1 lists every problem.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const LICENSE_NAMES = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'LICENCE.md'];
/** What a license file must say for the SPDX ids used in this repository. */
const LICENSE_TEXT = {
  'Apache-2.0': [/Apache License/, /Version 2\.0, January 2004/],
  MIT: [/Permission is hereby granted, free of charge/],
};
const CODE_FENCE = /^(```|~~~)\s*(ts|tsx|typescript|js|mjs|cjs|javascript)\b/m;

/**
 * Every file under `dir`, as `/`-separated paths relative to `base`; skips node_modules and
 * dot-folders (virtualenvs, caches), which npm does not publish either.
 */
function listFiles(dir, base = dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || (entry.isDirectory() && entry.name.startsWith('.'))) {
      continue;
    }
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path, base));
    else out.push(relative(base, path).split(sep).join('/'));
  }
  return out;
}

const isGlob = (pattern) => /[*?[{]/.test(pattern);
const cleanPattern = (pattern) => pattern.replace(/^\.\//, '').replace(/\/+$/, '');

/** Whether a `files` entry matches at least one file (a folder must not be empty). */
function matchesSomething(dir, entry) {
  const clean = cleanPattern(entry);
  if (isGlob(clean)) return listFiles(dir).some(patternMatcher(entry));
  const path = join(dir, clean);
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) return false;
  return stats.isFile() || listFiles(path).length > 0;
}

/** npm's `files` patterns: a path (a folder means everything in it) or a glob with `*`/`**`. */
function patternMatcher(pattern) {
  const clean = cleanPattern(pattern);
  if (!isGlob(clean)) {
    return (file) => file === clean || file.startsWith(`${clean}/`);
  }
  let source = '';
  for (let index = 0; index < clean.length; index++) {
    const char = clean[index];
    if (char === '*' && clean[index + 1] === '*') {
      source += '.*';
      index += clean[index + 2] === '/' ? 2 : 1;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  const regex = new RegExp(`^${source}(/.*)?$`);
  return (file) => regex.test(file);
}

/** The `types`/`default` targets of an exports value, checking condition order on the way. */
function checkExportValue(subpath, value, problems, targets) {
  if (typeof value === 'string') {
    problems.push(
      `exports["${subpath}"] is the bare path "${value}": add a condition object with "types" first.`,
    );
    targets.push(value);
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`exports["${subpath}"] must be an object of conditions.`);
    return;
  }
  const keys = Object.keys(value);
  const nested = keys.filter((key) => typeof value[key] === 'object' && value[key] !== null);
  const leaves = keys.filter((key) => typeof value[key] === 'string');
  if (leaves.length > 0) {
    if (!('types' in value)) {
      problems.push(
        `exports["${subpath}"] has ${leaves.map((key) => `"${key}"`).join(', ')} but no "types": ` +
          'TypeScript users of this entry get no declarations.',
      );
    } else if (keys[0] !== 'types') {
      problems.push(
        `exports["${subpath}"]: "types" must be the first condition (TypeScript stops at the ` +
          `first match), found "${keys[0]}" first.`,
      );
    }
    for (const key of leaves) targets.push(value[key]);
  }
  for (const key of nested)
    checkExportValue(`${subpath}" → "${key}`, value[key], problems, targets);
}

/** Returns the problems of the package in `dir` (empty when it is ready to publish). */
export function checkPackage(dir) {
  const problems = [];
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) return [`${manifestPath} does not exist.`];
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const topLevel = readdirSync(dir);
  const entries = Array.isArray(manifest.files) ? manifest.files : undefined;

  // `files`: each entry must match something, or npm silently publishes without it.
  if (!entries) {
    problems.push('package.json has no "files" list: say what is published.');
  } else {
    for (const entry of entries) {
      const negated = entry.startsWith('!');
      if (negated) continue;
      if (!matchesSomething(dir, entry)) {
        problems.push(`"files" names "${entry}", which matches no file in the package.`);
      }
    }
  }
  const published = (file) => entries?.some((entry) => patternMatcher(entry)(file)) ?? true;

  // LICENSE: present, listed, and saying what the `license` field says.
  const license = LICENSE_NAMES.find((name) => topLevel.includes(name));
  if (!manifest.license) {
    problems.push('package.json has no "license" field.');
  }
  if (!license) {
    problems.push(
      `No LICENSE file, although package.json says "${manifest.license}": add the license text.`,
    );
  } else {
    if (entries && !published(license)) {
      problems.push(`"files" does not list ${license}: add "${license}".`);
    }
    const expected = LICENSE_TEXT[manifest.license];
    const text = readFileSync(join(dir, license), 'utf8');
    if (expected && !expected.every((pattern) => pattern.test(text))) {
      problems.push(`${license} is not the ${manifest.license} text that package.json declares.`);
    }
  }

  // README: present, listed, with a code example.
  const readme = topLevel.find((file) => /^readme(\.md)?$/i.test(file));
  if (!readme) {
    problems.push('No README.md.');
  } else {
    if (entries && !published(readme)) {
      problems.push(`"files" does not list ${readme}.`);
    }
    if (!CODE_FENCE.test(readFileSync(join(dir, readme), 'utf8'))) {
      problems.push(`${readme} has no code example (a fenced \`\`\`ts or \`\`\`js block).`);
    }
  }

  // exports: ./package.json, types first everywhere, targets that exist and are published.
  const exportsMap = manifest.exports;
  if (exportsMap === undefined || typeof exportsMap !== 'object' || exportsMap === null) {
    problems.push('package.json has no "exports" map.');
  } else {
    if (exportsMap['./package.json'] !== './package.json') {
      problems.push(
        'exports has no "./package.json": "./package.json" entry (tools read the manifest through it).',
      );
    }
    const targets = [];
    for (const [subpath, value] of Object.entries(exportsMap)) {
      if (subpath === './package.json') continue;
      checkExportValue(subpath, value, problems, targets);
    }
    for (const target of new Set(targets)) {
      const file = target.replace(/^\.\//, '');
      if (file.includes('*')) continue;
      if (!existsSync(join(dir, file))) {
        problems.push(`exports points at ${target}, which does not exist (run the build first).`);
      } else if (entries && !published(file)) {
        problems.push(`exports points at ${target}, which "files" does not publish.`);
      }
    }
  }
  return problems;
}

function main(argv) {
  const dirs = argv.length > 0 ? argv : ['.'];
  let failed = false;
  for (const dir of dirs) {
    const absolute = resolve(dir);
    const problems = checkPackage(absolute);
    const name = existsSync(join(absolute, 'package.json'))
      ? JSON.parse(readFileSync(join(absolute, 'package.json'), 'utf8')).name
      : absolute;
    if (problems.length === 0) {
      console.log(`check-package-files: ${name} ok`);
      continue;
    }
    failed = true;
    console.error(`check-package-files: ${name}`);
    for (const problem of problems) console.error(`  - ${problem}`);
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.slice(2).some((arg) => !statSync(resolve(arg), { throwIfNoEntry: false }))) {
    console.error(
      `check-package-files: no such directory among ${process.argv.slice(2).join(', ')}`,
    );
    process.exit(2);
  }
  process.exit(main(process.argv.slice(2)));
}
