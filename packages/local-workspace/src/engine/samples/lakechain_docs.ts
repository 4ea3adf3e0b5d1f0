/**
 * `samples.lakechain.docs`: lakechain's own documentation (its README files and docs/*.md) in
 * chunks of at most about 1000 characters, one row per chunk (`id`, `title`, `url`, `text`), for
 * retrieval: a Vector Search Delta Sync index over `text` answers questions about lakechain, and
 * `lakechain_docs.questions.json` labels questions with the ids of the chunks that answer them.
 *
 * The rows come from `lakechain_docs.json`, a snapshot made by `scripts/lakechain-docs.mjs` and
 * bundled into the package, so the table is the same on every start and needs no file or network.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import corpus from './lakechain_docs.json';

export interface LakechainDocsChunk {
  id: string;
  title: string;
  url: string;
  text: string;
}

/** The chunks of the snapshot, in document order. */
export const lakechainDocsChunks: readonly LakechainDocsChunk[] = corpus.chunks;

const COLUMNS: [name: string, comment: string][] = [
  ['id', 'Chunk id: <document>#<heading anchor>, with :2, :3 for later pieces of one section'],
  ['title', "The document's title and the headings above the chunk, joined by ' › '"],
  ['url', 'Path of the document in the lakechain repository, with the heading anchor'],
  ['text', 'The chunk: its heading line, then up to about 1000 characters of Markdown'],
];

export async function loadLakechainDocs(conn: DuckDBConnection, cat: string): Promise<void> {
  const c = `"${cat}"`;
  await conn.run(`CREATE SCHEMA IF NOT EXISTS ${c}.lakechain`);
  await conn.run(
    `CREATE OR REPLACE TABLE ${c}.lakechain.docs (id VARCHAR, title VARCHAR, url VARCHAR, text VARCHAR)`,
  );
  const appender = await conn.createAppender('docs', 'lakechain', cat);
  for (const chunk of lakechainDocsChunks) {
    appender.appendVarchar(chunk.id);
    appender.appendVarchar(chunk.title);
    appender.appendVarchar(chunk.url);
    appender.appendVarchar(chunk.text);
    appender.endRow();
  }
  appender.closeSync();
  await conn.run(
    `COMMENT ON TABLE ${c}.lakechain.docs IS 'lakechain documentation (README files and docs/*.md) in chunks, for retrieval examples; a snapshot of the repository at commit ${corpus.source.commit.slice(0, 12)}'`,
  );
  for (const [column, comment] of COLUMNS)
    await conn.run(
      `COMMENT ON COLUMN ${c}.lakechain.docs.${column} IS '${comment.replace(/'/g, "''")}'`,
    );
}
