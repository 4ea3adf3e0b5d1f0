#!/usr/bin/env node
// Prints one of the README's Quick start commands (`demo` or `test`), read from the fenced block
// that follows `<!-- quickstart:NAME -->`. CI runs exactly what a newcomer pastes.
import { readFileSync } from 'node:fs';

const name = process.argv[2];
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const marker = `<!-- quickstart:${name} -->`;
const start = readme.indexOf(marker);
if (!name || start < 0) {
  console.error(`README.md has no ${marker} block`);
  process.exit(1);
}
const block = /```(?:bash|sh)\n([\s\S]*?)```/.exec(readme.slice(start + marker.length));
if (!block?.[1]?.trim()) {
  console.error(`No fenced command after ${marker}`);
  process.exit(1);
}
process.stdout.write(block[1].trim());
