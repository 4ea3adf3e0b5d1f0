// Types of lakechain-docs.mjs (the corpus generator of samples.lakechain.docs), for its tests.
export interface DocsChunk {
  id: string;
  title: string;
  url: string;
  text: string;
}
export interface DocsCorpus {
  description: string;
  source: { commit: string; files: string[] };
  chunking: { maxChars: number; split: string };
  chunks: DocsChunk[];
}
export declare const MAX_CHARS: number;
export declare const CORPUS_FILE: string;
export declare function githubAnchor(text: string): string;
export declare function documentId(path: string): string;
export declare function chunkMarkdown(path: string, markdown: string, max?: number): DocsChunk[];
export declare function documentationFiles(repository: string): string[];
export declare function buildCorpus(repository: string): DocsCorpus;
