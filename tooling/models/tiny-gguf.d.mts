export declare const TINY_GGUF_VERSION: number;
export declare const DOLLY_SPECIAL_TOKENS: readonly string[];
export declare const TOKEN_TYPE: {
  NORMAL: 1;
  UNKNOWN: 2;
  CONTROL: 3;
  USER_DEFINED: 4;
  UNUSED: 5;
  BYTE: 6;
};

export type TinyArch = 'llama' | 'gptneox';

export interface TinyGgufOptions {
  arch: TinyArch;
  /** PRNG seed of the weights (default 42). Same options, byte-identical file. */
  seed?: number;
  /** Hidden size (default 64). */
  embd?: number;
  /** Transformer blocks (default 2). */
  layers?: number;
  /** Attention heads (default 4). */
  heads?: number;
  /** Feed-forward size (default 128). */
  ff?: number;
  /** Trained context length written in the metadata (default 2048, like Dolly). */
  contextLength?: number;
  /**
   * Token type of `### End`, `### Instruction:`, `### Response:`: `'control'` (default, what
   * llama.cpp's converter gives Dolly's special tokens; tokenized as one token only when special
   * tokens are parsed) or `'user_defined'` (always one token, detokenized as text).
   */
  specialTokens?: 'control' | 'user_defined';
}

/** `$LAKECHAIN_MODEL_DIR` or `~/.cache/lakechain/models`. */
export declare function modelCacheDir(): string;

export declare function buildTinyGguf(options: TinyGgufOptions): {
  buffer: Buffer;
  vocabSize: number;
  ids: Record<string, unknown>;
};

/** Path of the cached tiny model, generated (in milliseconds) when missing. */
export declare function ensureTinyGguf(
  archOrOptions: TinyArch | TinyGgufOptions,
  where?: { dir?: string },
): string;

export declare function writeGguf(
  kvs: [key: string, type: string, value: unknown][],
  tensors: { name: string; dims: number[]; data: Float32Array }[],
): Buffer;
