import { findModel, MODEL_CATALOG, type ModelSpec } from './catalog.js';
import { ModelFetchError } from './errors.js';

/** The catalog entry of `name` (a name or an alias); an unknown name is `UNKNOWN_MODEL`. */
export function requireModel(
  name: string,
  catalog: readonly ModelSpec[] = MODEL_CATALOG,
): ModelSpec {
  const spec = findModel(name, catalog);
  if (!spec)
    throw new ModelFetchError(
      'UNKNOWN_MODEL',
      `Unknown model "${name}". Known models: ${catalog.map((model) => model.name).join(', ')}.`,
      { model: name, fix: 'pick one of the known models, or pass the path of a .gguf file' },
    );
  return spec;
}
