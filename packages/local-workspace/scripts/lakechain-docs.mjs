#!/usr/bin/env node
// Builds the `samples.lakechain.docs` corpus: lakechain's own documentation (every README.md the
// repository tracks and docs/*.md), cut into chunks for retrieval, written to
// src/engine/samples/lakechain_docs.json, which the engine loads at start (offline, from the
// package). The file is a snapshot: the labelled questions in lakechain_docs.questions.json name
// its chunk ids, so regenerate it only together with a review of those labels.
//
//   node packages/local-workspace/scripts/lakechain-docs.mjs            regenerate the snapshot
//   node packages/local-workspace/scripts/lakechain-docs.mjs --check    exit 1 if it would change
//
// Chunking (deterministic: the same files give the same chunks):
// - A document is split at its headings (outside code fences). Each heading with text under it
//   is a section; a heading directly followed by a sub-heading only contributes to the titles.
// - A section longer than MAX_CHARS is cut between paragraphs (a fenced code block is one
//   paragraph; a lead-in ending with ":" stays with what follows it), packing whole paragraphs
//   greedily; a paragraph longer than that is cut between its list items, or between groups of
//   table rows that each repeat the table's header, or else between lines. A short last piece
//   joins the one before it. Every piece starts with the section's heading line, so it reads on
//   its own.
// - id: `<document>#<anchor>` with GitHub's anchor of the heading (a repeated heading gets -1,
//   -2, ...), and `:2`, `:3` for the second and later pieces of one section. <document> is the
//   file's path without `packages/` and `.md`, lower case (`vector-search/readme`).
// - title: the document's H1 and the headings above the section, joined by " › ".
// - url: the file's path in the repository with the anchor (`packages/vector-search/README.md#filters`).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAX_CHARS = 1000;

/** The text of a heading without Markdown: code spans, links, emphasis. */
function plainHeading(text) {
  return text
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_]{1,3}([^*_]+)[*_]{1,3}/g, '$1')
    .trim();
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function githubAnchor(text) {
  return plainHeading(text)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

/** `packages/vector-search/README.md` → `vector-search/readme`. */
export function documentId(path) {
  return path
    .replace(/^packages\//, '')
    .replace(/\.md$/i, '')
    .toLowerCase();
}

/** Paragraphs of a section body: blank-line separated, a fenced code block kept whole. */
function paragraphs(lines) {
  const blocks = [];
  let current = [];
  let fence;
  for (const line of lines) {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fence) {
      current.push(line);
      if (marker === fence) fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      current.push(line);
      continue;
    }
    if (line.trim() === '') {
      if (current.length > 0) blocks.push(current.join('\n'));
      current = [];
    } else current.push(line);
  }
  if (current.length > 0) blocks.push(current.join('\n'));
  return blocks;
}

/** Lines that start a unit of an oversized paragraph: a list item or a table row. */
const ITEM_START = /^\s{0,3}([-*+]|\d+[.)])\s|^\s*\|/;

/** Cuts a text longer than `max` between lines (a line longer than `max` in pieces). */
function cutLines(text, max) {
  const out = [];
  let piece = '';
  for (const line of text.split('\n')) {
    for (let start = 0; start < Math.max(line.length, 1); start += max) {
      const part = line.slice(start, start + max);
      if (piece && piece.length + 1 + part.length > max) {
        out.push(piece);
        piece = part;
      } else piece = piece ? `${piece}\n${part}` : part;
    }
  }
  if (piece) out.push(piece);
  return out;
}

/**
 * The units of a paragraph longer than `max`: its list items (with their continuation lines), or
 * groups of table rows each under the table's header, or else its lines; none longer than `max`.
 */
function splitParagraph(block, max) {
  const lines = block.split('\n');
  const tableRow = (line) => /^\s*\|/.test(line ?? '');
  const headerAt = lines.findIndex(
    (line, position) => tableRow(line) && /^\s*\|[\s:|-]+\|\s*$/.test(lines[position + 1] ?? ''),
  );
  if (headerAt >= 0) {
    // A table (with what leads into it, and what follows it): groups of rows under the header.
    const header = `${lines[headerAt]}\n${lines[headerAt + 1]}`;
    let end = headerAt + 2;
    while (end < lines.length && tableRow(lines[end])) end++;
    const leadIn = lines.slice(0, headerAt).join('\n');
    const groups = [];
    let group = leadIn ? `${leadIn}\n${header}` : header;
    let rowsInGroup = 0;
    for (const row of lines.slice(headerAt + 2, end)) {
      if (rowsInGroup > 0 && group.length + 1 + row.length > max) {
        groups.push(group);
        group = header;
        rowsInGroup = 0;
      }
      group = `${group}\n${row}`;
      rowsInGroup++;
    }
    groups.push(group);
    const rest = lines.slice(end).join('\n');
    return [
      ...groups.flatMap((text) => (text.length > max ? cutLines(text, max) : [text])),
      ...(rest ? splitParagraph(rest, max) : []),
    ];
  }
  const items = [];
  for (const line of lines) {
    if (items.length === 0 || ITEM_START.test(line)) items.push(line);
    else items[items.length - 1] = `${items.at(-1)}\n${line}`;
  }
  return items.flatMap((text) => (text.length > max ? cutLines(text, max) : [text]));
}

/**
 * Packs paragraphs into pieces of at most `max` characters: whole paragraphs greedily, a lead-in
 * ending with ":" kept with what it introduces, an oversized paragraph by its units, and a short
 * last piece joined to the one before when the two stay within 1.25 × `max`.
 */
function pack(blocks, max) {
  const joined = [];
  for (const block of blocks) {
    const previous = joined.at(-1);
    if (previous?.trimEnd().endsWith(':')) joined[joined.length - 1] = `${previous}\n\n${block}`;
    else joined.push(block);
  }
  const units = [];
  for (const block of joined) {
    const parts = block.length <= max ? [block] : splitParagraph(block, max);
    for (const [position, text] of parts.entries())
      units.push({ text, separator: position === 0 ? '\n\n' : '\n' });
  }
  const pieces = [];
  let current = '';
  for (const unit of units) {
    if (current && current.length + unit.separator.length + unit.text.length > max) {
      pieces.push(current);
      current = unit.text;
    } else current = current ? `${current}${unit.separator}${unit.text}` : unit.text;
  }
  if (current) pieces.push(current);
  const last = pieces.at(-1);
  const beforeLast = pieces.at(-2);
  if (
    last !== undefined &&
    beforeLast !== undefined &&
    last.length < max / 5 &&
    beforeLast.length + 2 + last.length <= max * 1.25
  )
    pieces.splice(-2, 2, `${beforeLast}\n\n${last}`);
  return pieces;
}

/**
 * Chunks of one Markdown document: `{ id, title, url, text }` in document order.
 * @param {string} path the file's path in the repository
 * @param {string} markdown its text
 */
export function chunkMarkdown(path, markdown, max = MAX_CHARS) {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const sections = [];
  let current = { level: 0, heading: '', headingLine: '', lines: [] };
  let fence;
  for (const line of lines) {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fence) {
      if (marker === fence) fence = undefined;
      current.lines.push(line);
      continue;
    }
    if (marker) fence = marker;
    const heading = marker ? undefined : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      sections.push(current);
      current = {
        level: heading[1].length,
        heading: plainHeading(heading[2]),
        headingLine: line.trim(),
        lines: [],
      };
    } else current.lines.push(line);
  }
  sections.push(current);

  const document = documentId(path);
  const documentTitle = sections.find((section) => section.level === 1)?.heading ?? path;
  const seenAnchors = new Map();
  const trail = [];
  const chunks = [];
  for (const section of sections) {
    if (section.level > 0) {
      while (trail.length > 0 && trail.at(-1).level >= section.level) trail.pop();
      trail.push(section);
    }
    const base = section.level > 0 ? githubAnchor(section.heading) : '';
    const seen = seenAnchors.get(base) ?? 0;
    seenAnchors.set(base, seen + 1);
    const anchor = seen === 0 ? base : `${base}-${seen}`;
    const body = paragraphs(section.lines);
    if (body.length === 0) continue;
    const titleParts = trail.map((item) => item.heading);
    if (titleParts[0] !== documentTitle) titleParts.unshift(documentTitle);
    const title = titleParts.join(' › ');
    const room = max - (section.headingLine ? section.headingLine.length + 2 : 0);
    pack(body, Math.max(room, 200)).forEach((piece, position) => {
      const suffix = position === 0 ? '' : `:${position + 1}`;
      chunks.push({
        id: `${document}#${anchor}${suffix}`,
        title,
        url: anchor ? `${path}#${anchor}` : path,
        text: section.headingLine ? `${section.headingLine}\n\n${piece}` : piece,
      });
    });
  }
  return chunks;
}

/** The documentation files: every tracked README.md and docs/*.md, sorted by path. */
export function documentationFiles(repository) {
  return execFileSync('git', ['ls-files', '--', '*README.md', 'docs/*.md'], {
    cwd: repository,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((path) => path && !path.includes('node_modules/'))
    .sort();
}

export function buildCorpus(repository) {
  const files = documentationFiles(repository);
  const chunks = files.flatMap((path) =>
    chunkMarkdown(path, readFileSync(join(repository, path), 'utf8')),
  );
  const ids = new Set();
  for (const chunk of chunks) {
    if (ids.has(chunk.id)) throw new Error(`Duplicate chunk id ${chunk.id}`);
    ids.add(chunk.id);
  }
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
    cwd: repository,
    encoding: 'utf8',
  }).trim();
  return {
    description:
      "lakechain's own documentation (README files and docs/*.md) in chunks, for retrieval examples and evaluation. Generated by packages/local-workspace/scripts/lakechain-docs.mjs; a snapshot, not kept in step with the documents.",
    source: { commit, files },
    chunking: { maxChars: MAX_CHARS, split: 'headings, then paragraphs, then lines' },
    chunks,
  };
}

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
export const CORPUS_FILE = join(packageDir, 'src', 'engine', 'samples', 'lakechain_docs.json');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const repository = dirname(dirname(packageDir));
  const corpus = buildCorpus(repository);
  const text = `${JSON.stringify(corpus, null, 2)}\n`;
  if (process.argv.includes('--check')) {
    const committed = JSON.parse(readFileSync(CORPUS_FILE, 'utf8'));
    const same = JSON.stringify(committed.chunks) === JSON.stringify(corpus.chunks);
    process.stdout.write(
      same
        ? 'The snapshot matches the documents.\n'
        : `The documents changed since the snapshot (${committed.chunks.length} chunks then, ${corpus.chunks.length} now).\n`,
    );
    process.exit(same ? 0 : 1);
  }
  writeFileSync(CORPUS_FILE, text);
  process.stderr.write(
    `wrote ${CORPUS_FILE}: ${corpus.chunks.length} chunks from ${corpus.source.files.length} files\n`,
  );
}
