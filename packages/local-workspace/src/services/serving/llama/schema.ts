/**
 * JSON Schema (as OpenAI `response_format` and `tools[].function.parameters` carry it) to the
 * subset node-llama-cpp turns into a grammar (`GbnfJsonSchema`). What the subset cannot express is
 * relaxed, never made stricter than the input: the output always validates against the original.
 *
 * - `anyOf`/`oneOf` -> `oneOf`; `allOf` of objects -> merged object; type lists with object or
 *   array members -> `oneOf`.
 * - `$ref` to `#/$defs/X` or `#/definitions/X` -> `#/$defs/X` with the definitions at the root.
 * - Objects: every declared property is generated (node-llama-cpp has no optional properties,
 *   and emitting an optional one is valid). `additionalProperties` absent means no extra
 *   properties when `properties` are declared (what a model should do), any when not.
 * - String formats other than `date-time`, `date`, `time`, and keywords such as `pattern`,
 *   `minimum`, `multipleOf` are dropped (relaxed).
 * - `{}`, `true` and unknown shapes accept any JSON value.
 */

type Json = Record<string, unknown>;
export type GrammarSchema = Record<string, unknown>;

const PRIMITIVES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
const FORMATS = new Set(['date-time', 'date', 'time']);

export const ANY_JSON: GrammarSchema = {
  oneOf: [
    { type: ['string', 'number', 'boolean', 'null'] },
    { type: 'object', additionalProperties: true },
    { type: 'array' },
  ],
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLiteral(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** Converts `schema` to node-llama-cpp's grammar schema subset (see the module comment). */
export function toGrammarSchema(schema: unknown): GrammarSchema {
  const defs: Json = {};
  if (isObject(schema)) {
    for (const key of ['$defs', 'definitions'] as const) {
      const list = schema[key];
      if (isObject(list)) for (const [name, def] of Object.entries(list)) defs[name] = def;
    }
  }
  const converted = convert(schema, 0);
  const names = Object.keys(defs);
  if (names.length === 0) return converted;
  const $defs = Object.fromEntries(names.map((name) => [name, convert(defs[name], 0)]));
  // node-llama-cpp reads `$defs` on refs, oneOf, objects and arrays; wrap anything else.
  if ('$ref' in converted || 'oneOf' in converted || converted.type === 'object')
    return { ...converted, $defs };
  if (converted.type === 'array') return { ...converted, $defs };
  return { oneOf: [converted], $defs };
}

function convert(schema: unknown, depth: number): GrammarSchema {
  if (depth > 64) return ANY_JSON;
  if (!isObject(schema)) return schema === false ? { type: 'null' } : ANY_JSON;

  if (typeof schema.$ref === 'string') {
    const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(schema.$ref);
    return match ? { $ref: `#/$defs/${match[1]}` } : ANY_JSON;
  }
  if ('const' in schema && isLiteral(schema.const)) return { const: schema.const };
  if (Array.isArray(schema.enum)) {
    const literals = schema.enum.filter(isLiteral);
    return literals.length === schema.enum.length && literals.length > 0
      ? { enum: literals }
      : ANY_JSON;
  }
  const alternatives = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    const base = { ...schema };
    delete base.anyOf;
    delete base.oneOf;
    const options = alternatives.map((alternative) =>
      convert(isObject(alternative) ? { ...base, ...alternative } : alternative, depth + 1),
    );
    return options.length === 1 ? (options[0] as GrammarSchema) : { oneOf: options };
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const merged: Json = { ...schema };
    delete merged.allOf;
    const properties: Json = { ...(isObject(schema.properties) ? schema.properties : {}) };
    const required = new Set<string>(Array.isArray(schema.required) ? schema.required : []);
    for (const part of schema.allOf) {
      if (!isObject(part)) continue;
      Object.assign(merged, part);
      if (isObject(part.properties)) Object.assign(properties, part.properties);
      if (Array.isArray(part.required)) for (const name of part.required) required.add(name);
    }
    if (Object.keys(properties).length > 0) merged.properties = properties;
    if (required.size > 0) merged.required = [...required];
    return convert(merged, depth + 1);
  }

  let type = schema.type;
  if (type === undefined) {
    if (isObject(schema.properties) || 'additionalProperties' in schema) type = 'object';
    else if ('items' in schema || 'prefixItems' in schema) type = 'array';
    else return ANY_JSON;
  }
  if (Array.isArray(type)) {
    const types = type.filter((item): item is string => typeof item === 'string');
    if (types.length === 0) return ANY_JSON;
    if (types.every((item) => PRIMITIVES.has(item) && item !== 'string')) return { type: types };
    if (types.length === 1) return convert({ ...schema, type: types[0] }, depth + 1);
    return { oneOf: types.map((item) => convert({ ...schema, type: item }, depth + 1)) };
  }
  switch (type) {
    case 'string': {
      if (typeof schema.format === 'string' && FORMATS.has(schema.format))
        return { type: 'string', format: schema.format };
      const out: GrammarSchema = { type: 'string' };
      if (typeof schema.minLength === 'number') out.minLength = schema.minLength;
      if (typeof schema.maxLength === 'number') out.maxLength = schema.maxLength;
      return out;
    }
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type };
    case 'object': {
      const out: GrammarSchema = { type: 'object' };
      const declared = isObject(schema.properties) ? schema.properties : undefined;
      if (declared)
        out.properties = Object.fromEntries(
          Object.entries(declared).map(([name, value]) => [name, convert(value, depth + 1)]),
        );
      const additional = schema.additionalProperties;
      if (additional === true) out.additionalProperties = true;
      else if (isObject(additional))
        out.additionalProperties =
          Object.keys(additional).length === 0 ? true : convert(additional, depth + 1);
      else if (additional === undefined && !declared) out.additionalProperties = true;
      if (typeof schema.minProperties === 'number') out.minProperties = schema.minProperties;
      if (typeof schema.maxProperties === 'number' && out.additionalProperties)
        out.maxProperties = schema.maxProperties;
      return out;
    }
    case 'array': {
      const out: GrammarSchema = { type: 'array' };
      if (Array.isArray(schema.prefixItems))
        out.prefixItems = schema.prefixItems.map((item) => convert(item, depth + 1));
      if (Array.isArray(schema.items))
        out.prefixItems = schema.items.map((item) => convert(item, depth + 1));
      else if (schema.items !== undefined && schema.items !== true)
        out.items = convert(schema.items, depth + 1);
      if (typeof schema.minItems === 'number') out.minItems = schema.minItems;
      if (typeof schema.maxItems === 'number') out.maxItems = schema.maxItems;
      return out;
    }
    default:
      return ANY_JSON;
  }
}

/**
 * The grammar schema of one forced tool call among `tools`: `{"name": <tool>, "arguments": {...}}`.
 */
export function toolCallSchema(tools: { name: string; parameters?: unknown }[]): GrammarSchema {
  const options = tools.map((tool) => ({
    type: 'object',
    properties: {
      name: { const: tool.name },
      arguments: toGrammarSchema(tool.parameters ?? { type: 'object', properties: {} }),
    },
  }));
  return options.length === 1 ? (options[0] as GrammarSchema) : { oneOf: options };
}
