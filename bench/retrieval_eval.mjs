#!/usr/bin/env node
// Retrieval quality of an embedding model on lakechain's own documentation: the chunks of
// `samples.lakechain.docs` and the labelled questions next to them
// (packages/local-workspace/src/engine/samples/lakechain_docs{,.questions}.json).
//
// Every chunk's `text` is embedded through a serving endpoint of task llm/v1/embeddings
// (`DatabricksEmbeddings`) into a Direct Access index, then each question is asked four ways with
// `DatabricksVectorSearch` (k = 10): ANN, HYBRID (vector + BM25 fused by rank), and both with
// maximal marginal relevance (fetchK 20, lambda 0.5, Python's defaults). Reported per split
// (dev, heldout, all): recall@5 (share of a question's answering chunks in the top 5, averaged),
// hit@5, MRR@10 (1 / rank of the first answering chunk in the top 10), and the median query time.
// The settings above are fixed; the held-out questions are never used to choose them.
//
//   node bench/retrieval_eval.mjs --handler <module.mjs>[#export] [--option key=value ...]
//       an in-process local workspace whose embeddings endpoint is the serving handler that the
//       module's factory (default export, or #export) returns for the --option values: e.g. a
//       real local model
//   node bench/retrieval_eval.mjs --endpoint <name> [--schema main.default]
//       any workspace @lakechain/core resolves (DATABRICKS_HOST + credentials, a profile, or a
//       running `lakechain-local`), with its embeddings endpoint <name>
//   node bench/retrieval_eval.mjs --smoke
//       scripted embeddings (hash vectors, no meaning): checks the machinery, NOT a quality figure
//
// --out <file.json> writes the results; --label names the model in them. Needs `pnpm build`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = dirname(benchDir);
const samplesDir = join(rootDir, 'packages/local-workspace/src/engine/samples');

export const SETTINGS = { k: 10, recallAt: 5, fetchK: 20, lambda: 0.5 };
export const CONFIGURATIONS = [
  { name: 'ANN', queryType: 'ANN', mmr: false },
  { name: 'HYBRID', queryType: 'HYBRID', mmr: false },
  { name: 'ANN + MMR', queryType: 'ANN', mmr: true },
  { name: 'HYBRID + MMR', queryType: 'HYBRID', mmr: true },
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
};

/** recall@n, hit@n and reciprocal rank (within the list) of one ranked list of ids. */
export function scoreRanking(ranked, relevant, recallAt = SETTINGS.recallAt) {
  const wanted = new Set(relevant);
  const top = ranked.slice(0, recallAt);
  const found = top.filter((id) => wanted.has(id)).length;
  const firstRank = ranked.findIndex((id) => wanted.has(id));
  return {
    recall: wanted.size ? found / wanted.size : 0,
    hit: found > 0 ? 1 : 0,
    reciprocalRank: firstRank >= 0 ? 1 / (firstRank + 1) : 0,
  };
}

/** Means of the per-question scores, by split. */
export function summarise(perQuestion) {
  const splits = { dev: [], heldout: [], all: perQuestion };
  for (const item of perQuestion) splits[item.split]?.push(item);
  const mean = (items, key) =>
    items.length ? items.reduce((sum, item) => sum + item[key], 0) / items.length : null;
  return Object.fromEntries(
    Object.entries(splits).map(([split, items]) => [
      split,
      {
        questions: items.length,
        recallAt5: mean(items, 'recall'),
        hitAt5: mean(items, 'hit'),
        mrrAt10: mean(items, 'reciprocalRank'),
        medianQueryMs: median(items.map((item) => item.ms)),
      },
    ]),
  );
}

/** The handler of a real model: `<module.mjs>[#export]` exports a factory `(options) => handler`. */
async function handlerFromModule(specifier, options) {
  const [path, exportName = 'default'] = specifier.split('#');
  const module = await import(pathToFileURL(resolve(path)).href);
  const factory = module[exportName];
  if (typeof factory !== 'function')
    throw new Error(`${path} does not export a function named ${exportName}.`);
  return factory(options);
}

export async function evaluate({
  connection,
  endpoint,
  schema = 'main.default',
  label = endpoint,
  smoke = false,
  log = (message) => process.stderr.write(`[retrieval] ${message}\n`),
}) {
  const { DatabricksEmbeddings } = await import('../packages/databricks-llm/dist/index.js');
  const { DatabricksVectorSearch, VectorSearchClient } = await import(
    '../packages/vector-search/dist/index.js'
  );
  const corpus = JSON.parse(readFileSync(join(samplesDir, 'lakechain_docs.json'), 'utf8'));
  const labelled = JSON.parse(
    readFileSync(join(samplesDir, 'lakechain_docs.questions.json'), 'utf8'),
  );
  // One batch in flight at a time: a local model's handler embeds one input after another, so
  // batches sent together only queue on the server, where the last ones can outlive the client's
  // timeout on a loaded machine (a remote endpoint is not slowed by it: the corpus is small).
  const embeddings = new DatabricksEmbeddings({
    ...connection,
    model: endpoint,
    batchSize: 16,
    maxConcurrency: 1,
    timeoutMs: 600_000,
  });
  const client = new VectorSearchClient(connection);
  const vectorEndpoint = 'lakechain-retrieval-eval';
  const indexName = `${schema}.lakechain_docs_eval`;
  const started = performance.now();
  try {
    const [probe] = await embeddings.embedDocuments(['dimension probe']);
    const dimension = probe.length;
    log(`${label}: ${dimension} dimensions; embedding ${corpus.chunks.length} chunks`);
    const endpoints = await client.listEndpoints();
    if (!endpoints.some((item) => item.name === vectorEndpoint)) {
      await client.createEndpoint({ name: vectorEndpoint });
      await client.waitForEndpoint(vectorEndpoint, { pollIntervalMs: 200 });
    }
    await client.deleteIndex(indexName).catch(() => undefined);
    await client.createDirectAccessIndex({
      endpointName: vectorEndpoint,
      indexName,
      primaryKey: 'id',
      embeddingVectorColumn: 'vector',
      embeddingDimension: dimension,
      schema: {
        id: 'string',
        title: 'string',
        url: 'string',
        text: 'string',
        vector: 'array<float>',
      },
    });
    await client.waitForIndex(indexName, { pollIntervalMs: 200 });
    const store = new DatabricksVectorSearch({
      ...connection,
      indexName,
      embeddings,
      textColumn: 'text',
      columns: ['title', 'url'],
    });
    const embedStarted = performance.now();
    const vectors = await embeddings.embedDocuments(corpus.chunks.map((chunk) => chunk.text));
    const embedMs = performance.now() - embedStarted;
    await store.addVectors(
      vectors,
      corpus.chunks.map((chunk) => ({
        pageContent: chunk.text,
        metadata: { title: chunk.title, url: chunk.url },
      })),
      { ids: corpus.chunks.map((chunk) => chunk.id) },
    );
    log(
      `indexed in ${Math.round(performance.now() - embedStarted)} ms; asking ${labelled.questions.length} questions x ${CONFIGURATIONS.length}`,
    );
    const results = {};
    for (const configuration of CONFIGURATIONS) {
      const perQuestion = [];
      for (const question of labelled.questions) {
        const t0 = performance.now();
        const documents = configuration.mmr
          ? await store.maxMarginalRelevanceSearch(question.question, {
              k: SETTINGS.k,
              fetchK: SETTINGS.fetchK,
              lambda: SETTINGS.lambda,
              queryType: configuration.queryType,
            })
          : (
              await store.search(question.question, {
                k: SETTINGS.k,
                queryType: configuration.queryType,
              })
            ).map(([document]) => document);
        const ms = performance.now() - t0;
        const ranked = documents.map((document) => document.id);
        perQuestion.push({
          id: question.id,
          split: question.split,
          ms,
          ranked,
          ...scoreRanking(ranked, question.relevant),
        });
      }
      results[configuration.name] = { summary: summarise(perQuestion), perQuestion };
      const all = results[configuration.name].summary.all;
      log(
        `${configuration.name}: recall@5 ${all.recallAt5.toFixed(3)}, MRR@10 ${all.mrrAt10.toFixed(3)}`,
      );
    }
    await store.close();
    return {
      label,
      smoke,
      note: smoke
        ? 'SMOKE TEST with scripted (hash) embeddings: checks the machinery; these are not quality figures.'
        : undefined,
      endpoint,
      dimension,
      chunks: corpus.chunks.length,
      corpusCommit: corpus.source.commit,
      questions: {
        all: labelled.questions.length,
        dev: labelled.questions.filter((question) => question.split === 'dev').length,
        heldout: labelled.questions.filter((question) => question.split === 'heldout').length,
      },
      settings: SETTINGS,
      embedMs,
      durationMs: performance.now() - started,
      results,
    };
  } finally {
    await client.deleteIndex(indexName).catch(() => undefined);
    await client.close();
    await embeddings.close?.();
  }
}

/** A Markdown table of the summaries: one row per configuration and split. */
export function renderTable(run) {
  const fmt = (value) => (value == null ? '–' : value.toFixed(3));
  const lines = [
    '| configuration | split | questions | recall@5 | hit@5 | MRR@10 | median query |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const [name, { summary }] of Object.entries(run.results))
    for (const split of ['dev', 'heldout', 'all'])
      lines.push(
        `| ${name} | ${split} | ${summary[split].questions} | ${fmt(summary[split].recallAt5)} | ${fmt(summary[split].hitAt5)} | ${fmt(summary[split].mrrAt10)} | ${summary[split].medianQueryMs == null ? '–' : `${summary[split].medianQueryMs.toFixed(1)} ms`} |`,
      );
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      handler: { type: 'string' },
      option: { type: 'string', multiple: true, default: [] },
      endpoint: { type: 'string' },
      schema: { type: 'string', default: 'main.default' },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      label: { type: 'string' },
    },
  });
  let workspace;
  let connection = {};
  let endpoint = values.endpoint;
  try {
    if (values.handler || values.smoke) {
      const { scriptedEmbeddings, startLocalWorkspace } = await import(
        '../packages/local-workspace/dist/index.js'
      );
      const options = Object.fromEntries(
        values.option.map((pair) => {
          const [key, ...rest] = pair.split('=');
          const raw = rest.join('=');
          return [key, Number.isNaN(Number(raw)) || raw === '' ? raw : Number(raw)];
        }),
      );
      const handler = values.smoke
        ? scriptedEmbeddings({ dimensions: 384 })
        : await handlerFromModule(values.handler, options);
      endpoint = 'eval-embeddings';
      workspace = await startLocalWorkspace({
        catalog: { samples: false },
        serving: { endpoints: [{ name: endpoint, task: 'llm/v1/embeddings', handler }] },
      });
      connection = { host: workspace.host, token: workspace.token, caCert: workspace.caCert };
    } else if (!endpoint) {
      throw new Error('Pass --handler <module>, --endpoint <name> (with a workspace), or --smoke.');
    }
    const run = await evaluate({
      connection,
      endpoint,
      schema: values.schema,
      smoke: values.smoke,
      label:
        values.label ?? (values.smoke ? 'scripted (smoke test)' : (values.handler ?? endpoint)),
    });
    if (run.smoke) process.stdout.write(`${run.note}\n\n`);
    process.stdout.write(`${renderTable(run)}\n`);
    if (values.out) {
      mkdirSync(dirname(resolve(values.out)), { recursive: true });
      writeFileSync(values.out, `${JSON.stringify(run, null, 2)}\n`);
    }
  } finally {
    await workspace?.stop();
  }
}
