#!/usr/bin/env node
/**
 * Tiny random-weight GGUF models for tests, written in plain JavaScript (no Python, no network).
 *
 * Architectures:
 * - `llama`: SentencePiece-style vocabulary (`tokenizer.ggml.model = "llama"`) with the 256
 *   byte-fallback tokens `<0x00>`..`<0xFF>`, a ChatML chat template (`<|im_start|>`/`<|im_end|>`).
 * - `gptneox`: GPT-NeoX/Pythia like Dolly (`tokenizer.ggml.model = "gpt2"`, byte-level BPE with
 *   the 256 byte characters and a few merges), `<|endoftext|>` as bos/eos, no chat template.
 *
 * Both vocabularies contain Dolly's special tokens `### End`, `### Instruction:` and
 * `### Response:` as single tokens (type CONTROL by default, as llama.cpp's converter marks
 * Dolly's `additional_special_tokens`: tokenize with special tokens enabled to get them as one
 * token), plus bos/eos. Weights are seeded (same options -> byte-identical file), F32, 2 layers,
 * 64-dim; each file is ~0.5 MB. The model produces garbage text, but through the real llama.cpp
 * loading, tokenizer, sampling, grammar and stop paths.
 *
 * Programmatic: `ensureTinyGguf('llama') -> path` (generated once, then cached in
 * `$LAKECHAIN_MODEL_DIR` or `~/.cache/lakechain/models/`), `buildTinyGguf(options) -> Buffer`.
 * CLI: `node tooling/models/tiny-gguf.mjs llama|gptneox [--out file.gguf]` prints the path.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump when the produced bytes change, so caches regenerate. */
export const TINY_GGUF_VERSION = 2;

export const DOLLY_SPECIAL_TOKENS = ['### End', '### Instruction:', '### Response:'];

export const TOKEN_TYPE = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
};

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/** The directory models are cached in: `$LAKECHAIN_MODEL_DIR` or `~/.cache/lakechain/models`. */
export function modelCacheDir() {
  return process.env.LAKECHAIN_MODEL_DIR
    ? resolve(process.env.LAKECHAIN_MODEL_DIR)
    : join(homedir(), '.cache', 'lakechain', 'models');
}

// ---------------------------------------------------------------------------------------------
// GGUF writer (format v3: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md)

const GGUF_TYPE = {
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
};
const GGML_TYPE_F32 = 0;
const ALIGNMENT = 32;

class ByteWriter {
  constructor() {
    this.chunks = [];
    this.length = 0;
  }
  push(buffer) {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.push(b);
  }
  i32(value) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    this.push(b);
  }
  u64(value) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.push(b);
  }
  f32(value) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.push(b);
  }
  string(value) {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad(alignment) {
    const rest = this.length % alignment;
    if (rest) this.push(Buffer.alloc(alignment - rest));
  }
  toBuffer() {
    return Buffer.concat(this.chunks, this.length);
  }
}

/** kv: [key, type, value] with type one of 'u32' | 'i32' | 'f32' | 'bool' | 'str' | 'str[]' | 'f32[]' | 'i32[]'. */
function writeKv(w, key, type, value) {
  w.string(key);
  switch (type) {
    case 'u32':
      w.u32(GGUF_TYPE.UINT32);
      w.u32(value);
      break;
    case 'i32':
      w.u32(GGUF_TYPE.INT32);
      w.i32(value);
      break;
    case 'f32':
      w.u32(GGUF_TYPE.FLOAT32);
      w.f32(value);
      break;
    case 'bool':
      w.u32(GGUF_TYPE.BOOL);
      w.push(Buffer.from([value ? 1 : 0]));
      break;
    case 'str':
      w.u32(GGUF_TYPE.STRING);
      w.string(value);
      break;
    case 'str[]':
      w.u32(GGUF_TYPE.ARRAY);
      w.u32(GGUF_TYPE.STRING);
      w.u64(value.length);
      for (const item of value) w.string(item);
      break;
    case 'f32[]':
      w.u32(GGUF_TYPE.ARRAY);
      w.u32(GGUF_TYPE.FLOAT32);
      w.u64(value.length);
      for (const item of value) w.f32(item);
      break;
    case 'i32[]':
      w.u32(GGUF_TYPE.ARRAY);
      w.u32(GGUF_TYPE.INT32);
      w.u64(value.length);
      for (const item of value) w.i32(item);
      break;
    default:
      throw new Error(`unknown kv type ${type}`);
  }
}

/**
 * Serialises a GGUF v3 file. `tensors`: `{ name, dims, data: Float32Array }` where `dims` is in
 * ggml order (`ne0` first: the row length).
 */
export function writeGguf(kvs, tensors) {
  const w = new ByteWriter();
  w.push(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kvs.length);
  for (const [key, type, value] of kvs) writeKv(w, key, type, value);
  let offset = 0;
  const offsets = [];
  for (const tensor of tensors) {
    const count = tensor.dims.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length)
      throw new Error(
        `tensor ${tensor.name}: ${tensor.data.length} values for dims ${tensor.dims}`,
      );
    w.string(tensor.name);
    w.u32(tensor.dims.length);
    for (const dim of tensor.dims) w.u64(dim);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offsets.push(offset);
    offset += count * 4;
    offset = Math.ceil(offset / ALIGNMENT) * ALIGNMENT;
  }
  w.pad(ALIGNMENT);
  const dataStart = w.length;
  for (const [index, tensor] of tensors.entries()) {
    const target = dataStart + offsets[index];
    if (w.length < target) w.push(Buffer.alloc(target - w.length));
    const data = tensor.data;
    w.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  w.pad(ALIGNMENT);
  return w.toBuffer();
}

// ---------------------------------------------------------------------------------------------
// Vocabularies

/** GPT-2's bytes_to_unicode(): the printable character standing for each byte in BPE tokens. */
function bytesToUnicode() {
  const bs = [];
  for (let i = 0x21; i <= 0x7e; i++) bs.push(i);
  for (let i = 0xa1; i <= 0xac; i++) bs.push(i);
  for (let i = 0xae; i <= 0xff; i++) bs.push(i);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const map = new Array(256);
  bs.forEach((b, i) => {
    map[b] = String.fromCodePoint(cs[i]);
  });
  return map;
}

const WORDS = [
  'the',
  'and',
  'of',
  'to',
  'in',
  'is',
  'that',
  'it',
  'for',
  'on',
  'with',
  'as',
  'data',
  'lake',
  'house',
  'table',
  'query',
  'SELECT',
  'FROM',
  'WHERE',
  'count',
  'answer',
  'model',
  'yes',
  'no',
];

function llamaVocab(specialType) {
  const tokens = [];
  const scores = [];
  const types = [];
  const add = (text, type, score = 0) => {
    tokens.push(text);
    types.push(type);
    scores.push(score);
    return tokens.length - 1;
  };
  const unk = add('<unk>', TOKEN_TYPE.UNKNOWN);
  const bos = add('<s>', TOKEN_TYPE.CONTROL);
  const eos = add('</s>', TOKEN_TYPE.CONTROL);
  for (let b = 0; b < 256; b++)
    add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TOKEN_TYPE.BYTE);
  const imStart = add('<|im_start|>', TOKEN_TYPE.CONTROL);
  const imEnd = add('<|im_end|>', TOKEN_TYPE.CONTROL);
  const dolly = DOLLY_SPECIAL_TOKENS.map((text) => add(text, specialType));
  add('\u2581', TOKEN_TYPE.NORMAL, -1);
  for (let c = 0x21; c <= 0x7e; c++) add(String.fromCharCode(c), TOKEN_TYPE.NORMAL, -2);
  for (const word of WORDS) {
    add(`\u2581${word}`, TOKEN_TYPE.NORMAL, -3 - word.length / 10);
  }
  return {
    kvs: [
      ['tokenizer.ggml.model', 'str', 'llama'],
      ['tokenizer.ggml.tokens', 'str[]', tokens],
      ['tokenizer.ggml.scores', 'f32[]', scores],
      ['tokenizer.ggml.token_type', 'i32[]', types],
      ['tokenizer.ggml.bos_token_id', 'u32', bos],
      ['tokenizer.ggml.eos_token_id', 'u32', eos],
      ['tokenizer.ggml.eot_token_id', 'u32', imEnd],
      ['tokenizer.ggml.unknown_token_id', 'u32', unk],
      ['tokenizer.ggml.padding_token_id', 'u32', unk],
      ['tokenizer.ggml.add_bos_token', 'bool', true],
      ['tokenizer.ggml.add_eos_token', 'bool', false],
      // Byte-level pieces carry their own spaces: with SentencePiece's default space prefix,
      // llama.cpp strips the leading space of each separately detokenized piece, and text held
      // back while a stop sequence partially matches would lose its spaces.
      ['tokenizer.ggml.add_space_prefix', 'bool', false],
      ['tokenizer.chat_template', 'str', CHATML_TEMPLATE],
    ],
    size: tokens.length,
    ids: { unk, bos, eos, imStart, imEnd, dolly },
  };
}

function gpt2Vocab(specialType) {
  const tokens = [];
  const types = [];
  const add = (text, type) => {
    tokens.push(text);
    types.push(type);
    return tokens.length - 1;
  };
  // Pythia/Dolly: id 0 is <|endoftext|>, used as bos, eos and unk.
  const eot = add('<|endoftext|>', TOKEN_TYPE.CONTROL);
  const byteChars = bytesToUnicode();
  for (let b = 0; b < 256; b++) add(byteChars[b], TOKEN_TYPE.NORMAL);
  const space = byteChars[0x20]; // 'Ġ'
  const merges = [];
  const known = new Set(tokens);
  const addMerge = (left, right) => {
    const merged = left + right;
    merges.push(`${left} ${right}`);
    if (!known.has(merged)) {
      known.add(merged);
      add(merged, TOKEN_TYPE.NORMAL);
    }
    return merged;
  };
  // Merges spelling out each word with a leading space, left to right (as BPE would learn them).
  for (const word of WORDS) {
    let current = space;
    for (const ch of word) current = addMerge(current, ch);
  }
  const newline2 = addMerge(byteChars[0x0a], byteChars[0x0a]);
  const dolly = DOLLY_SPECIAL_TOKENS.map((text) => add(text, specialType));
  return {
    kvs: [
      ['tokenizer.ggml.model', 'str', 'gpt2'],
      ['tokenizer.ggml.pre', 'str', 'default'],
      ['tokenizer.ggml.tokens', 'str[]', tokens],
      ['tokenizer.ggml.token_type', 'i32[]', types],
      ['tokenizer.ggml.merges', 'str[]', merges],
      ['tokenizer.ggml.bos_token_id', 'u32', eot],
      ['tokenizer.ggml.eos_token_id', 'u32', eot],
      ['tokenizer.ggml.unknown_token_id', 'u32', eot],
      ['tokenizer.ggml.add_bos_token', 'bool', false],
      ['tokenizer.ggml.add_eos_token', 'bool', false],
    ],
    size: tokens.length,
    ids: { bos: eot, eos: eot, unk: eot, newline2: tokens.indexOf(newline2), dolly },
  };
}

// ---------------------------------------------------------------------------------------------
// Weights

/** mulberry32: a small seeded PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tensorFactory(seed, scale) {
  const random = prng(seed);
  return {
    random: (name, dims, s = scale) => {
      const count = dims.reduce((a, b) => a * b, 1);
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = (random() * 2 - 1) * s;
      return { name, dims, data };
    },
    fill: (name, dims, value) => {
      const count = dims.reduce((a, b) => a * b, 1);
      return { name, dims, data: new Float32Array(count).fill(value) };
    },
  };
}

/**
 * @param {object} options
 * @param {'llama'|'gptneox'} options.arch
 * @param {number} [options.seed=42]
 * @param {number} [options.embd=64]
 * @param {number} [options.layers=2]
 * @param {number} [options.heads=4]
 * @param {number} [options.ff=128]
 * @param {number} [options.contextLength=2048]
 * @param {'control'|'user_defined'} [options.specialTokens='control'] token type of Dolly's markers
 * @returns {{ buffer: Buffer, vocabSize: number, ids: Record<string, unknown> }}
 */
export function buildTinyGguf(options) {
  const {
    arch,
    seed = 42,
    embd = 64,
    layers = 2,
    heads = 4,
    ff = 128,
    contextLength = 2048,
    specialTokens = 'control',
  } = options;
  const specialType =
    specialTokens === 'user_defined' ? TOKEN_TYPE.USER_DEFINED : TOKEN_TYPE.CONTROL;
  const t = tensorFactory(seed, 0.08);
  const headDim = embd / heads;
  const common = (prefix) => [
    ['general.architecture', 'str', prefix],
    ['general.name', 'str', `lakechain tiny ${prefix} (random weights, seed ${seed})`],
    ['general.file_type', 'u32', 0],
    ['general.alignment', 'u32', ALIGNMENT],
    [`${prefix}.context_length`, 'u32', contextLength],
    [`${prefix}.embedding_length`, 'u32', embd],
    [`${prefix}.block_count`, 'u32', layers],
    [`${prefix}.feed_forward_length`, 'u32', ff],
    [`${prefix}.attention.head_count`, 'u32', heads],
    [`${prefix}.rope.dimension_count`, 'u32', headDim],
  ];
  if (arch === 'llama') {
    const vocab = llamaVocab(specialType);
    const kvs = [
      ...common('llama'),
      ['llama.attention.head_count_kv', 'u32', heads],
      ['llama.attention.layer_norm_rms_epsilon', 'f32', 1e-5],
      ['llama.rope.freq_base', 'f32', 10000],
      ['llama.vocab_size', 'u32', vocab.size],
      ...vocab.kvs,
    ];
    const tensors = [
      t.random('token_embd.weight', [embd, vocab.size], 1),
      t.fill('output_norm.weight', [embd], 1),
      t.random('output.weight', [embd, vocab.size], 0.3),
    ];
    for (let i = 0; i < layers; i++) {
      const b = `blk.${i}`;
      tensors.push(
        t.fill(`${b}.attn_norm.weight`, [embd], 1),
        t.random(`${b}.attn_q.weight`, [embd, embd]),
        t.random(`${b}.attn_k.weight`, [embd, embd]),
        t.random(`${b}.attn_v.weight`, [embd, embd]),
        t.random(`${b}.attn_output.weight`, [embd, embd]),
        t.fill(`${b}.ffn_norm.weight`, [embd], 1),
        t.random(`${b}.ffn_gate.weight`, [embd, ff]),
        t.random(`${b}.ffn_up.weight`, [embd, ff]),
        t.random(`${b}.ffn_down.weight`, [ff, embd]),
      );
    }
    return { buffer: writeGguf(kvs, tensors), vocabSize: vocab.size, ids: vocab.ids };
  }
  if (arch === 'gptneox') {
    const vocab = gpt2Vocab(specialType);
    const kvs = [
      ...common('gptneox'),
      ['gptneox.use_parallel_residual', 'bool', true],
      ['gptneox.attention.layer_norm_epsilon', 'f32', 1e-5],
      ...vocab.kvs,
    ];
    const tensors = [
      t.random('token_embd.weight', [embd, vocab.size], 1),
      t.fill('output_norm.weight', [embd], 1),
      t.fill('output_norm.bias', [embd], 0),
      t.random('output.weight', [embd, vocab.size], 0.3),
    ];
    for (let i = 0; i < layers; i++) {
      const b = `blk.${i}`;
      tensors.push(
        t.fill(`${b}.attn_norm.weight`, [embd], 1),
        t.fill(`${b}.attn_norm.bias`, [embd], 0),
        t.random(`${b}.attn_qkv.weight`, [embd, 3 * embd]),
        t.fill(`${b}.attn_qkv.bias`, [3 * embd], 0),
        t.random(`${b}.attn_output.weight`, [embd, embd]),
        t.fill(`${b}.attn_output.bias`, [embd], 0),
        t.fill(`${b}.ffn_norm.weight`, [embd], 1),
        t.fill(`${b}.ffn_norm.bias`, [embd], 0),
        t.random(`${b}.ffn_up.weight`, [embd, ff]),
        t.fill(`${b}.ffn_up.bias`, [ff], 0),
        t.random(`${b}.ffn_down.weight`, [ff, embd]),
        t.fill(`${b}.ffn_down.bias`, [embd], 0),
      );
    }
    return { buffer: writeGguf(kvs, tensors), vocabSize: vocab.size, ids: vocab.ids };
  }
  throw new Error(`tiny-gguf: unknown architecture "${arch}" (use "llama" or "gptneox")`);
}

/**
 * The path of a tiny model, generating it first if it is not cached. Writes atomically (a
 * temporary file renamed into place), so parallel test processes are safe.
 *
 * @param {'llama'|'gptneox'|Parameters<typeof buildTinyGguf>[0]} archOrOptions
 * @param {{ dir?: string }} [where]
 * @returns {string}
 */
export function ensureTinyGguf(archOrOptions, where = {}) {
  const options = typeof archOrOptions === 'string' ? { arch: archOrOptions } : archOrOptions;
  const dir = where.dir ?? modelCacheDir();
  const key = createHash('sha256')
    .update(JSON.stringify({ v: TINY_GGUF_VERSION, ...options }))
    .digest('hex')
    .slice(0, 10);
  const path = join(dir, `tiny-${options.arch}-v${TINY_GGUF_VERSION}-${key}.gguf`);
  if (existsSync(path)) return path;
  const { buffer } = buildTinyGguf(options);
  mkdirSync(dir, { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, buffer);
  renameSync(temporary, path);
  return path;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const arch =
    args.find((arg, index) => !arg.startsWith('--') && (outIndex < 0 || index !== outIndex + 1)) ??
    'llama';
  const userDefined = args.includes('--user-defined-specials');
  const options = { arch, ...(userDefined ? { specialTokens: 'user_defined' } : {}) };
  if (outIndex >= 0 && args[outIndex + 1]) {
    const out = resolve(args[outIndex + 1]);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, buildTinyGguf(options).buffer);
    console.log(out);
  } else {
    console.log(ensureTinyGguf(options));
  }
}
