/**
 * Which functions the read-only guard lets a query call.
 *
 * A read statement can still act outside the query through a function: read a secret, call a
 * billed model, read storage or a stream, send an HTTP request, run JVM or Python code. The table
 * below classifies the Databricks SQL built-in functions that do (from the Databricks SQL
 * function reference, https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-functions-builtin-alpha)
 * with the reason each category is refused. `BUILTIN_SAFE_FUNCTIONS` is the allowlist used by
 * `functions: 'builtin-safe'`: built-ins that only compute on their arguments.
 *
 * Name resolution (https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-function-invocation):
 * an unqualified name is a built-in or temporary function first, then a function of the current
 * schema; `builtin.f` / `system.builtin.f` name the built-in explicitly, `session.f` /
 * `system.session.f` a temporary function; anything else qualified is a Unity Catalog function.
 */
import { DatabricksConfigError } from '@lakechain/core';

export type FunctionCategory =
  | 'secrets'
  | 'ai'
  | 'external-data'
  | 'network'
  | 'jvm-reflection'
  | 'code-execution'
  | 'system-catalog'
  | 'dynamic-name';

export interface FunctionCategoryInfo {
  /** Why functions of this category are refused by default (completes "<name>() ..."). */
  reason: string;
  /** Function names (lower case) in this category. */
  names: readonly string[];
  /** Name prefixes in this category: every function starting with one, present or future. */
  prefixes?: readonly string[];
}

/** The refused-by-default functions, by category. */
export const FUNCTION_CATEGORIES: Readonly<Record<FunctionCategory, FunctionCategoryInfo>> = {
  secrets: {
    reason: 'reads secrets from the Databricks secret service',
    names: ['secret', 'try_secret', 'list_secrets'],
  },
  ai: {
    reason: 'calls a model, an AI service or a vector index (billed per call, sends data to it)',
    // Every `ai_*` built-in calls a model serving endpoint or a Databricks AI service.
    prefixes: ['ai_'],
    names: [
      'ai_analyze_sentiment',
      'ai_classify',
      'ai_extract',
      'ai_fix_grammar',
      'ai_forecast',
      'ai_gen',
      'ai_generate_text',
      'ai_mask',
      'ai_parse_document',
      'ai_query',
      'ai_similarity',
      'ai_summarize',
      'ai_translate',
      'vector_search',
    ],
  },
  'external-data': {
    reason:
      'reads files, streams, checkpoints or external databases outside Unity Catalog tables (or files at a path)',
    // read_files, read_kafka, read_kinesis, read_pubsub, read_pulsar, read_statestore,
    // read_state_metadata and any later `read_*` source.
    prefixes: ['read_'],
    names: [
      'read_files',
      'read_kafka',
      'read_kinesis',
      'read_pubsub',
      'read_pulsar',
      'read_statestore',
      'read_state_metadata',
      'cloud_files',
      'cloud_files_state',
      'remote_query',
      // Read a descriptor file at a path, or query a schema registry over the network.
      'from_protobuf',
      'to_protobuf',
    ],
  },
  network: {
    reason: 'sends an HTTP request through a Unity Catalog connection',
    names: ['http_request'],
  },
  'jvm-reflection': {
    reason: 'calls an arbitrary Java method by reflection',
    names: ['reflect', 'java_method', 'try_reflect'],
  },
  'code-execution': {
    reason: 'runs arbitrary Python code',
    names: ['python_exec'],
  },
  'system-catalog': {
    reason:
      'is a Databricks-managed function of the `system` catalog (such as system.ai.python_exec, which runs code)',
    names: [],
  },
  'dynamic-name': {
    reason:
      'names the called function with an expression (a parameter, an operator or an escape), so the guard cannot tell which function runs',
    names: [],
  },
};

/**
 * Built-ins that only compute on their arguments, for `functions: 'builtin-safe'`. Grouped by
 * family; none reads outside the query, calls a service or reveals storage paths.
 */
export const BUILTIN_SAFE_FUNCTIONS: Readonly<Record<string, readonly string[]>> = {
  aggregate: [
    'any',
    'any_value',
    'approx_count_distinct',
    'approx_percentile',
    'approx_top_k',
    'array_agg',
    'avg',
    'bit_and',
    'bit_or',
    'bit_xor',
    'bool_and',
    'bool_or',
    'collect_list',
    'collect_set',
    'corr',
    'count',
    'count_if',
    'covar_pop',
    'covar_samp',
    'every',
    'first',
    'first_value',
    'grouping',
    'grouping_id',
    'histogram_numeric',
    'kurtosis',
    'last',
    'last_value',
    'listagg',
    'max',
    'max_by',
    'mean',
    'measure',
    'median',
    'min',
    'min_by',
    'mode',
    'percentile',
    'percentile_approx',
    'percentile_cont',
    'percentile_disc',
    'regr_avgx',
    'regr_avgy',
    'regr_count',
    'regr_intercept',
    'regr_r2',
    'regr_slope',
    'regr_sxx',
    'regr_sxy',
    'regr_syy',
    'skewness',
    'some',
    'std',
    'stddev',
    'stddev_pop',
    'stddev_samp',
    'string_agg',
    'sum',
    'try_avg',
    'try_sum',
    'var_pop',
    'var_samp',
    'variance',
  ],
  window: [
    'cume_dist',
    'dense_rank',
    'lag',
    'lead',
    'nth_value',
    'ntile',
    'percent_rank',
    'rank',
    'row_number',
  ],
  math: [
    'abs',
    'acos',
    'acosh',
    'asin',
    'asinh',
    'atan',
    'atan2',
    'atanh',
    'bin',
    'bit_count',
    'bit_get',
    'bround',
    'cbrt',
    'ceil',
    'ceiling',
    'conv',
    'cos',
    'cosh',
    'cot',
    'csc',
    'degrees',
    'e',
    'exp',
    'expm1',
    'factorial',
    'floor',
    'getbit',
    'greatest',
    'hypot',
    'least',
    'ln',
    'log',
    'log10',
    'log1p',
    'log2',
    'mod',
    'nanvl',
    'negative',
    'pi',
    'pmod',
    'positive',
    'pow',
    'power',
    'radians',
    'rand',
    'randn',
    'random',
    'rint',
    'round',
    'sec',
    'shiftleft',
    'shiftright',
    'shiftrightunsigned',
    'sign',
    'signum',
    'sin',
    'sinh',
    'sqrt',
    'tan',
    'tanh',
    'try_add',
    'try_divide',
    'try_mod',
    'try_multiply',
    'try_subtract',
    'uniform',
    'width_bucket',
  ],
  string: [
    'ascii',
    'base64',
    'bit_length',
    'btrim',
    'char',
    'char_length',
    'character_length',
    'chr',
    'concat',
    'concat_ws',
    'contains',
    'crc32',
    'decode',
    'elt',
    'encode',
    'endswith',
    'find_in_set',
    'format_number',
    'format_string',
    'hash',
    'hex',
    'ilike',
    'initcap',
    'instr',
    'lcase',
    'left',
    'len',
    'length',
    'levenshtein',
    'like',
    'locate',
    'lower',
    'lpad',
    'ltrim',
    'luhn_check',
    'mask',
    'md5',
    'octet_length',
    'overlay',
    'parse_url',
    'position',
    'printf',
    'randstr',
    'regexp',
    'regexp_count',
    'regexp_extract',
    'regexp_extract_all',
    'regexp_instr',
    'regexp_like',
    'regexp_replace',
    'regexp_substr',
    'repeat',
    'replace',
    'reverse',
    'right',
    'rlike',
    'rpad',
    'rtrim',
    'sentences',
    'sha',
    'sha1',
    'sha2',
    'soundex',
    'space',
    'split',
    'split_part',
    'startswith',
    'substr',
    'substring',
    'substring_index',
    'to_binary',
    'to_char',
    'to_number',
    'to_varchar',
    'translate',
    'trim',
    'try_parse_url',
    'try_to_binary',
    'try_to_number',
    'try_url_decode',
    'ucase',
    'unbase64',
    'unhex',
    'upper',
    'url_decode',
    'url_encode',
    'uuid',
    'xxhash64',
  ],
  datetime: [
    'add_months',
    'convert_timezone',
    'curdate',
    'current_date',
    'current_timestamp',
    'current_timezone',
    'date_add',
    'date_diff',
    'date_format',
    'date_from_unix_date',
    'date_part',
    'date_sub',
    'date_trunc',
    'dateadd',
    'datediff',
    'datepart',
    'day',
    'dayname',
    'dayofmonth',
    'dayofweek',
    'dayofyear',
    'extract',
    'from_unixtime',
    'from_utc_timestamp',
    'hour',
    'last_day',
    'localtimestamp',
    'make_date',
    'make_dt_interval',
    'make_interval',
    'make_timestamp',
    'make_timestamp_ltz',
    'make_timestamp_ntz',
    'make_ym_interval',
    'minute',
    'month',
    'monthname',
    'months_between',
    'next_day',
    'now',
    'quarter',
    'second',
    'session_window',
    'timediff',
    'timestamp_micros',
    'timestamp_millis',
    'timestamp_seconds',
    'timestampadd',
    'timestampdiff',
    'to_date',
    'to_timestamp',
    'to_timestamp_ltz',
    'to_timestamp_ntz',
    'to_unix_timestamp',
    'to_utc_timestamp',
    'trunc',
    'try_make_interval',
    'try_make_timestamp',
    'try_to_date',
    'try_to_timestamp',
    'unix_date',
    'unix_micros',
    'unix_millis',
    'unix_seconds',
    'unix_timestamp',
    'weekday',
    'weekofyear',
    'window',
    'window_time',
    'year',
  ],
  conditional: [
    'coalesce',
    'equal_null',
    'if',
    'iff',
    'ifnull',
    'isnan',
    'isnotnull',
    'isnull',
    'nullif',
    'nullifzero',
    'nvl',
    'nvl2',
    'zeroifnull',
  ],
  conversion: [
    'bigint',
    'binary',
    'boolean',
    'cast',
    'date',
    'decimal',
    'double',
    'float',
    'int',
    'smallint',
    'string',
    'timestamp',
    'tinyint',
    'try_cast',
    'typeof',
  ],
  collection: [
    'aggregate',
    'array',
    'array_append',
    'array_compact',
    'array_contains',
    'array_distinct',
    'array_except',
    'array_insert',
    'array_intersect',
    'array_join',
    'array_max',
    'array_min',
    'array_position',
    'array_prepend',
    'array_remove',
    'array_repeat',
    'array_size',
    'array_sort',
    'array_union',
    'arrays_overlap',
    'arrays_zip',
    'cardinality',
    'element_at',
    'exists',
    'explode',
    'explode_outer',
    'filter',
    'flatten',
    'forall',
    'get',
    'inline',
    'inline_outer',
    'map',
    'map_concat',
    'map_contains_key',
    'map_entries',
    'map_filter',
    'map_from_arrays',
    'map_from_entries',
    'map_keys',
    'map_values',
    'map_zip_with',
    'named_struct',
    'posexplode',
    'posexplode_outer',
    'range',
    'reduce',
    'sequence',
    'shuffle',
    'size',
    'slice',
    'sort_array',
    'stack',
    'str_to_map',
    'struct',
    'transform',
    'transform_keys',
    'transform_values',
    'try_element_at',
    'zip_with',
  ],
  json: [
    'from_csv',
    'from_json',
    'get_json_object',
    'is_variant_null',
    'json_array_length',
    'json_object_keys',
    'json_tuple',
    'parse_json',
    'schema_of_csv',
    'schema_of_json',
    'schema_of_json_agg',
    'schema_of_variant',
    'schema_of_variant_agg',
    'to_csv',
    'to_json',
    'to_variant_object',
    'try_parse_json',
    'try_variant_get',
    'variant_explode',
    'variant_explode_outer',
    'variant_get',
  ],
  session: [
    'current_catalog',
    'current_database',
    'current_schema',
    'current_user',
    'session_user',
    'user',
  ],
  errors: ['assert_true', 'raise_error'],
};

/** Stands for a qualifier that is not a name (`(expr).f(...)`, `1.f(...)`). */
export const UNKNOWN_QUALIFIER = '<expression>';

/** How the guard treats function calls. */
export type FunctionsMode =
  /** Refuse the functions of `FUNCTION_CATEGORIES`; allow every other function. */
  | 'denylist'
  /** Allow only `BUILTIN_SAFE_FUNCTIONS` and `allowFunctions`; refuse everything else. */
  | 'builtin-safe';

export interface GuardOptions {
  /**
   * `'denylist'` (default) refuses the functions of `FUNCTION_CATEGORIES`;
   * `'builtin-safe'` allows only `BUILTIN_SAFE_FUNCTIONS` (and `allowFunctions`).
   */
  functions?: FunctionsMode;
  /**
   * Functions to allow although the mode refuses them, by name as the query writes them:
   * `'ai_query'` (the built-in, also as `builtin.ai_query`), `'main.tools.lookup'` (a Unity
   * Catalog function), `'main.tools.*'` (every function of a schema). Case-insensitive; backticks
   * are allowed. `'read_files'` also allows path reads such as ``parquet.`/Volumes/...` ``.
   */
  allowFunctions?: readonly string[];
}

/** What the guard decided about one function call. */
export type FunctionVerdict =
  | { ok: true }
  | {
      ok: false;
      /** The category, or `'not-allowlisted'` in `builtin-safe` mode. */
      category: FunctionCategory | 'not-allowlisted';
      /** The name as resolved (lower case, dotted), e.g. `secret` or `system.ai.python_exec`. */
      name: string;
      /** The `allowFunctions` entry that would allow it, when there is one. */
      optIn?: string;
      detail: string;
    };

/** `IDENTIFIER(<expression>)(...)`: no `allowFunctions` entry can name what it calls. */
export const DYNAMIC_NAME_VERDICT: Extract<FunctionVerdict, { ok: false }> = {
  ok: false,
  category: 'dynamic-name',
  name: 'IDENTIFIER(...)',
  detail: `IDENTIFIER(...) ${FUNCTION_CATEGORIES['dynamic-name'].reason} (category: dynamic-name); write the function name literally`,
};

/** A compiled `GuardOptions`. */
export interface FunctionPolicy {
  mode: FunctionsMode;
  /** Exact allowed names (dotted, lower case). */
  allowed: Set<string>;
  /** Allowed qualified prefixes from `catalog.schema.*` entries (dotted, lower case, no `*`). */
  allowedPrefixes: Array<string[]>;
}

const SAFE = new Set(Object.values(BUILTIN_SAFE_FUNCTIONS).flat());
const BY_NAME = new Map<string, FunctionCategory>();
const BY_PREFIX: Array<[string, FunctionCategory]> = [];
for (const [category, info] of Object.entries(FUNCTION_CATEGORIES) as Array<
  [FunctionCategory, FunctionCategoryInfo]
>) {
  for (const name of info.names) BY_NAME.set(name, category);
  for (const prefix of info.prefixes ?? []) BY_PREFIX.push([prefix, category]);
}

/** The category of a bare (unqualified, lower-case) function name, if it is a refused one. */
export function categoryOf(name: string): FunctionCategory | undefined {
  const exact = BY_NAME.get(name);
  if (exact) return exact;
  for (const [prefix, category] of BY_PREFIX) if (name.startsWith(prefix)) return category;
  return undefined;
}

/**
 * Splits a dotted name (`a.b.c`, `` `a`.`b.c` ``) into lower-case parts; backticks quote a part
 * (a doubled backtick is a literal one). Returns undefined for a malformed name.
 */
export function splitQualifiedName(text: string): string[] | undefined {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let sawQuote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '`') {
        if (text[i + 1] === '`') {
          current += '`';
          i++;
        } else quoted = false;
      } else current += c;
      continue;
    }
    if (c === '`') {
      quoted = true;
      sawQuote = true;
    } else if (c === '.') {
      if (!current.trim() && !sawQuote) return undefined;
      parts.push(sawQuote ? current : current.trim());
      current = '';
      sawQuote = false;
    } else current += c;
  }
  if (quoted) return undefined;
  if (!current.trim() && !sawQuote) return undefined;
  parts.push(sawQuote ? current : current.trim());
  return parts.map((p) => p.toLowerCase());
}

/** Validates and compiles guard options; throws `DatabricksConfigError` naming the option. */
export function compileFunctionPolicy(options: GuardOptions = {}): FunctionPolicy {
  const mode = options.functions ?? 'denylist';
  if (mode !== 'denylist' && mode !== 'builtin-safe') {
    throw new DatabricksConfigError(
      `Invalid option \`functions\`: expected 'denylist' or 'builtin-safe', got ${JSON.stringify(mode)}.`,
      { option: 'functions' },
    );
  }
  const allowed = new Set<string>();
  const allowedPrefixes: Array<string[]> = [];
  for (const entry of options.allowFunctions ?? []) {
    const parts = typeof entry === 'string' ? parseAllowEntry(entry) : undefined;
    if (!parts) {
      throw new DatabricksConfigError(
        `Invalid option \`allowFunctions\`: ${JSON.stringify(entry)} is not a function name. Write names as queries do: 'ai_query', 'main.tools.lookup', or 'main.tools.*' for a whole schema.`,
        { option: 'allowFunctions' },
      );
    }
    if (parts[parts.length - 1] === '*') allowedPrefixes.push(parts.slice(0, -1));
    else allowed.add(normaliseBuiltin(parts).join('.'));
  }
  return { mode, allowed, allowedPrefixes };
}

/** Parses one `allowFunctions` entry; `*` may only be the last part of a qualified name. */
export function parseAllowEntry(entry: string): string[] | undefined {
  const parts = splitQualifiedName(entry.trim());
  if (!parts || parts.some((p) => p.length === 0)) return undefined;
  const star = parts.indexOf('*');
  if (star !== -1 && (star !== parts.length - 1 || parts.length < 2)) return undefined;
  return parts;
}

/** `builtin.f` and `system.builtin.f` are the built-in `f`. */
function normaliseBuiltin(parts: string[]): string[] {
  if (parts.length === 2 && parts[0] === 'builtin') return [parts[1]!];
  if (parts.length === 3 && parts[0] === 'system' && parts[1] === 'builtin') return [parts[2]!];
  return parts;
}

function isAllowed(policy: FunctionPolicy, parts: string[]): boolean {
  if (policy.allowed.has(parts.join('.'))) return true;
  return policy.allowedPrefixes.some(
    (prefix) => parts.length === prefix.length + 1 && prefix.every((part, i) => parts[i] === part),
  );
}

/**
 * Decides about a call of the function named `rawParts` (lower case, as written, qualifier
 * included). In both modes a name whose last part is a refused function is refused whatever its
 * qualifier (a Unity Catalog function named `secret` must be allowed by its full name), and so is
 * every function of the `system` catalog other than `system.builtin` and `system.session`.
 */
export function judgeFunction(policy: FunctionPolicy, rawParts: string[]): FunctionVerdict {
  const parts = normaliseBuiltin(rawParts);
  const name = parts.join('.');
  if (isAllowed(policy, parts)) return { ok: true };
  // `(expr).f(...)` or `1.f(...)`: no allowFunctions entry can name it.
  const optIn = parts.includes(UNKNOWN_QUALIFIER) ? undefined : name;
  const last = parts[parts.length - 1]!;
  const category: FunctionCategory | undefined =
    categoryOf(last) ??
    (parts.length > 1 && parts[0] === 'system' && !(parts.length === 3 && parts[1] === 'session')
      ? 'system-catalog'
      : undefined);
  if (category) {
    return {
      ok: false,
      category,
      name,
      optIn,
      detail: `${name}() ${FUNCTION_CATEGORIES[category].reason} (category: ${category})`,
    };
  }
  if (policy.mode === 'denylist') return { ok: true };
  if (parts.length === 1 && SAFE.has(last)) return { ok: true };
  return {
    ok: false,
    category: 'not-allowlisted',
    name,
    optIn,
    detail:
      parts.length === 1
        ? `${name}() is not on the built-in-safe function list (functions: 'builtin-safe')`
        : `${name}() is a user-defined function, which functions: 'builtin-safe' refuses unless it is listed`,
  };
}

/** Data source formats of Spark's path syntax, ``parquet.`/path` `` (a table named by a path). */
export const PATH_READ_FORMATS: ReadonlySet<string> = new Set([
  'avro',
  'binaryfile',
  'cloudfiles',
  'csv',
  'delta',
  'json',
  'orc',
  'parquet',
  'text',
  'xml',
]);

/**
 * Decides about ``format.`path` ``: it reads files as `read_files` does, so the `read_files`
 * entry of `allowFunctions` allows it.
 */
export function judgePathRead(policy: FunctionPolicy, format: string): FunctionVerdict {
  if (isAllowed(policy, ['read_files'])) return { ok: true };
  return {
    ok: false,
    category: 'external-data',
    name: `${format}.\`...\``,
    optIn: 'read_files',
    detail: `${format}.\`<path>\` reads files at a path directly, outside Unity Catalog tables (category: external-data)`,
  };
}
