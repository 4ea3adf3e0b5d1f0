/**
 * Test support (not exported): the Hugging Face files of a tiny one-layer BERT model
 * (`config.json`, `vocab.txt`, `model.safetensors`, `1_Pooling/config.json`), with weights
 * 0, 1, 2, ... so that every tensor is recognisable in the converted GGUF.
 */
import type { BertSourceFiles } from './bert_gguf.js';

export const HIDDEN = 8;
export const VOCABULARY = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'delta',
  'lake',
  '##s',
  '.',
];

/** A safetensors file of the given tensors (values 0, 1, 2, ... so each tensor is recognisable). */
function safetensors(tensors: Record<string, { shape: number[]; dtype?: string }>): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const blobs: Buffer[] = [];
  let offset = 0;
  let seed = 0;
  for (const [name, { shape, dtype = 'F32' }] of Object.entries(tensors)) {
    const count = shape.reduce((product, dimension) => product * dimension, 1);
    const data = Buffer.alloc(count * (dtype === 'I64' ? 8 : dtype === 'F16' ? 2 : 4));
    if (dtype === 'F32')
      for (let index = 0; index < count; index++) data.writeFloatLE(seed++, index * 4);
    header[name] = { dtype, shape, data_offsets: [offset, offset + data.length] };
    blobs.push(data);
    offset += data.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, ...blobs]);
}

/** The Hugging Face files of a one-layer BERT with random-free, recognisable weights. */
export function tinyBert(
  overrides: { config?: object; drop?: string; extra?: object } = {},
): BertSourceFiles {
  const layer = 'encoder.layer.0.';
  const linear = (name: string, rows: number, columns: number) => ({
    [`${layer}${name}.weight`]: { shape: [rows, columns] },
    [`${layer}${name}.bias`]: { shape: [rows] },
  });
  const tensors: Record<string, { shape: number[]; dtype?: string }> = {
    'embeddings.position_ids': { shape: [1, 16], dtype: 'I64' },
    'embeddings.word_embeddings.weight': { shape: [VOCABULARY.length, HIDDEN] },
    'embeddings.position_embeddings.weight': { shape: [16, HIDDEN] },
    'embeddings.token_type_embeddings.weight': { shape: [2, HIDDEN] },
    'embeddings.LayerNorm.weight': { shape: [HIDDEN] },
    'embeddings.LayerNorm.bias': { shape: [HIDDEN] },
    ...linear('attention.self.query', HIDDEN, HIDDEN),
    ...linear('attention.self.key', HIDDEN, HIDDEN),
    ...linear('attention.self.value', HIDDEN, HIDDEN),
    ...linear('attention.output.dense', HIDDEN, HIDDEN),
    ...linear('attention.output.LayerNorm', HIDDEN, 1),
    ...linear('intermediate.dense', 16, HIDDEN),
    ...linear('output.dense', HIDDEN, 16),
    ...linear('output.LayerNorm', HIDDEN, 1),
    'pooler.dense.weight': { shape: [HIDDEN, HIDDEN] },
    'pooler.dense.bias': { shape: [HIDDEN] },
    ...overrides.extra,
  };
  // LayerNorm weights are vectors.
  for (const name of [
    `${layer}attention.output.LayerNorm.weight`,
    `${layer}output.LayerNorm.weight`,
  ])
    tensors[name] = { shape: [HIDDEN] };
  if (overrides.drop) delete tensors[overrides.drop];
  return {
    config: Buffer.from(
      JSON.stringify({
        model_type: 'bert',
        vocab_size: VOCABULARY.length,
        hidden_size: HIDDEN,
        intermediate_size: 16,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        max_position_embeddings: 16,
        layer_norm_eps: 1e-12,
        type_vocab_size: 2,
        position_embedding_type: 'absolute',
        ...overrides.config,
      }),
    ),
    vocab: Buffer.from(`${VOCABULARY.join('\n')}\n`),
    weights: safetensors(tensors),
    pooling: Buffer.from(JSON.stringify({ pooling_mode_mean_tokens: true })),
  };
}
