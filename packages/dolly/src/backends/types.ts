/** What the `Dolly` LLM asks a backend for: one prompt, resolved generation settings. */
export interface DollyGenerationRequest {
  /** The full Dolly prompt (already formatted). */
  prompt: string;
  maxNewTokens: number;
  topP: number;
  /** 0 disables top-k (Dolly's default); HTTP backends then omit it. */
  topK: number;
  doSample: boolean;
  temperature?: number;
  /** Always contains `### End`, plus any call-time stop sequences. */
  stop: string[];
  /** Local backend only: sampling seed. */
  seed?: number;
  signal?: AbortSignal;
}

export interface DollyBackend {
  readonly type: 'databricks' | 'huggingface' | 'local';
  /** The generated text (the backend may or may not have cut it at a stop sequence). */
  generate(request: DollyGenerationRequest): Promise<string>;
  /** Text pieces as they are generated; absent when the backend cannot stream. */
  stream?(request: DollyGenerationRequest): AsyncIterable<string>;
  /**
   * Releases what the backend holds (an HTTP client and its connection pool, a loaded model).
   * Work in flight finishes first.
   */
  close?(): Promise<void>;
}
