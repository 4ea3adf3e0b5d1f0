import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  BertConversionError,
  bertTensorName,
  convertBertToGguf,
  readSafetensors,
} from './bert_gguf.js';
import { readGgufHeader } from './gguf_header.js';
import { HIDDEN, tinyBert, VOCABULARY } from './test_bert.js';

const directory = mkdtempSync(join(tmpdir(), 'lakechain-bert-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('convertBertToGguf', () => {
  test("writes llama.cpp's bert header, phantom-space vocabulary and tensor names", async () => {
    const output = Buffer.concat(convertBertToGguf(tinyBert(), { name: 'tiny bert' }));
    const path = join(directory, 'tiny-bert.gguf');
    writeFileSync(path, output);
    const header = await readGgufHeader(path);
    expect(header.version).toBe(3);
    // 5 embedding tensors + 16 per layer; position_ids and the pooler are dropped.
    expect(header.tensorCount).toBe(21n);
    expect(Object.keys(header.metadata).slice(0, 2)).toEqual([
      'general.architecture',
      'general.name',
    ]);
    expect(header.metadata).toMatchObject({
      'general.architecture': 'bert',
      'general.name': 'tiny bert',
      'bert.context_length': 16,
      'bert.embedding_length': HIDDEN,
      'bert.feed_forward_length': 16,
      'bert.block_count': 1,
      'bert.attention.head_count': 2,
      'bert.attention.causal': false,
      'bert.pooling_type': 1,
      'tokenizer.ggml.model': 'bert',
      'tokenizer.ggml.token_type_count': 2,
      'tokenizer.ggml.cls_token_id': 2,
      'tokenizer.ggml.seperator_token_id': 3,
      'tokenizer.ggml.unknown_token_id': 1,
    });
    const text = output.toString('utf8');
    // Word starts get U+2581, continuations lose "##", special tokens stay as they are.
    for (const token of ['\u2581delta', '\u2581lake', '[CLS]', 'blk.0.attn_output_norm.weight'])
      expect(text).toContain(token);
    expect(text).not.toContain('##s');
    expect(text).not.toContain('pooler');
    // Tensor data start at a 32-byte boundary and the file ends with the last tensor.
    expect(output.length % 4).toBe(0);
  });

  test('is deterministic: the same files give the same bytes', () => {
    const first = Buffer.concat(convertBertToGguf(tinyBert(), { name: 'x' }));
    const second = Buffer.concat(convertBertToGguf(tinyBert(), { name: 'x' }));
    expect(first.equals(second)).toBe(true);
  });

  test('keeps the weights exactly (float32, dimensions innermost first)', () => {
    const files = tinyBert();
    const source = readSafetensors(files.weights).get('embeddings.word_embeddings.weight');
    const output = Buffer.concat(convertBertToGguf(files, { name: 'x' }));
    expect(source?.shape).toEqual([VOCABULARY.length, HIDDEN]);
    expect(output.includes(source?.data as Buffer)).toBe(true);
  });

  test('maps Hugging Face names to llama.cpp names', () => {
    expect(bertTensorName('bert.encoder.layer.3.attention.self.key.bias')).toBe(
      'blk.3.attn_k.bias',
    );
    expect(bertTensorName('encoder.layer.0.output.LayerNorm.weight')).toBe(
      'blk.0.layer_output_norm.weight',
    );
    expect(bertTensorName('embeddings.token_type_embeddings.weight')).toBe('token_types.weight');
    expect(bertTensorName('pooler.dense.weight')).toBeUndefined();
  });

  test('refuses files it cannot convert, saying why', () => {
    const cases: Array<[Parameters<typeof tinyBert>[0], RegExp]> = [
      [{ config: { model_type: 'roberta' } }, /model_type roberta, not bert/],
      [{ config: { vocab_size: 30522 } }, /vocab.txt has 9 tokens, config.json says 30522/],
      [{ drop: 'encoder.layer.0.attention.self.key.bias' }, /20 BERT tensors, expected 21/],
      [
        { extra: { 'encoder.layer.0.attention.self.key.bias': { shape: [HIDDEN], dtype: 'F16' } } },
        /is F16; only F32/,
      ],
    ];
    for (const [overrides, message] of cases) {
      expect(() => convertBertToGguf(tinyBert(overrides), { name: 'x' })).toThrow(message);
      expect(() => convertBertToGguf(tinyBert(overrides), { name: 'x' })).toThrow(
        BertConversionError,
      );
    }
  });
});
