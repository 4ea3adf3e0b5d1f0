/**
 * Redaction helpers. Every message that may carry text from outside (a token endpoint's error
 * body, the Databricks CLI's stderr, a URL) passes through here before it reaches an error, so a
 * token or client secret never ends up in logs.
 */

export const REDACTED = '[REDACTED]';

/**
 * Secrets shorter than this are not searched for: replacing every `a` in a message because a test
 * used `token: 'a'` would make the message useless, and real tokens are far longer.
 */
const MIN_SECRET_LENGTH = 4;

/**
 * Replaces every occurrence of each secret in `text` with `[REDACTED]`, in raw form and in its
 * JSON-escaped form (a secret with a quote or backslash inside a serialised payload).
 */
export function redactSecrets(
  text: string,
  secrets: ReadonlyArray<string | null | undefined>,
): string {
  const candidates = secrets
    .filter((secret): secret is string => typeof secret === 'string')
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    // Longest first, so a secret that contains another one is replaced whole.
    .sort((left, right) => right.length - left.length);
  let result = text;
  for (const secret of candidates) {
    result = result.split(secret).join(REDACTED);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) result = result.split(escaped).join(REDACTED);
  }
  return result;
}

const SENSITIVE_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-databricks-azure-sp-management-token',
  // Temporary cloud-storage credentials (S3 session token).
  'x-amz-security-token',
]);

/** True for headers that carry credentials. */
export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_HEADERS.has(name.toLowerCase());
}

/** A copy of `headers` safe to log: credential-bearing values replaced by `[REDACTED]`. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    result[name] = isSensitiveHeader(name) ? REDACTED : value;
  }
  return result;
}

const SENSITIVE_QUERY_PARAMS = new Set([
  'code',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'code_verifier',
  'password',
  // Signed cloud-storage URLs: Azure SAS, S3 and GCS query authentication.
  'sig',
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-credential',
  'x-goog-signature',
  'x-goog-credential',
]);

/** A URL safe to log: user info removed, credential-like query values replaced. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return REDACTED;
  }
  parsed.username = '';
  parsed.password = '';
  for (const key of [...parsed.searchParams.keys()]) {
    if (SENSITIVE_QUERY_PARAMS.has(key.toLowerCase())) parsed.searchParams.set(key, 'REDACTED');
  }
  return parsed.toString();
}

/**
 * A one-line description of a response body for an error message: never the body itself when it
 * is long or looks like markup (an HTML login page from a proxy says nothing useful and may be
 * huge), and always redacted.
 */
export function summarizeBody(
  body: unknown,
  secrets: ReadonlyArray<string | null | undefined> = [],
  maxLength = 160,
): string {
  if (body === undefined || body === null || body === '') return 'an empty body';
  const text = typeof body === 'string' ? body : safeStringify(body);
  const trimmed = text.trim();
  if (/^<(!doctype|html|head|body|\?xml)/i.test(trimmed) || /<\/?[a-z][^>]*>/i.test(trimmed)) {
    const title = /<title[^>]*>([^<]{1,80})<\/title>/i.exec(trimmed)?.[1]?.trim();
    const described = title ? ` titled "${redactSecrets(title, secrets)}"` : '';
    return `an HTML page${described} (${text.length} characters)`;
  }
  const oneLine = redactSecrets(trimmed.replace(/\s+/g, ' '), secrets);
  if (oneLine.length <= maxLength) return `"${oneLine}"`;
  return `"${oneLine.slice(0, maxLength)}…" (${text.length} characters)`;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

// Keys whose values are credentials: apiKey, api_key, clientSecret, password, authorization,
// access_token, refreshToken, token, databricksToken... but not token counts (maxTokens,
// input_tokens) nor functions that produce tokens (tokenProvider).
const SENSITIVE_KEY =
  /(api[_-]?key|secret|passw(or)?d|authorization|credential|private[_-]?key|bearer|cookie|(^|[_-]|[a-z])token)$/i;
const SENSITIVE_KEY_ANYWHERE = /(secret|passw(or)?d|api[_-]?key)/i;

/** True for object keys that hold credentials (for masking logged or serialised objects). */
export function isSensitiveKey(key: string): boolean {
  return key.length > 0 && (SENSITIVE_KEY.test(key) || SENSITIVE_KEY_ANYWHERE.test(key));
}

/**
 * A copy of `value` safe to print: values under credential keys become `[REDACTED]`, URLs lose
 * their user info and credential query values, functions show as `[Function name]`. Cycles and
 * depth are bounded. Classes use it for `util.inspect` (`console.log` of a model or database
 * object), which otherwise prints private fields and constructor arguments, tokens included.
 */
export function redactForInspection(value: unknown, maxDepth = 6): unknown {
  const seen = new WeakSet<object>();
  const visit = (current: unknown, depth: number): unknown => {
    if (typeof current === 'string') {
      return /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(current) ? redactUrl(current) : current;
    }
    if (typeof current === 'function') return `[Function ${current.name || 'anonymous'}]`;
    if (current === null || typeof current !== 'object') return current;
    if (seen.has(current)) return '[Circular]';
    if (depth >= maxDepth) return Array.isArray(current) ? '[Array]' : '[Object]';
    seen.add(current);
    if (Array.isArray(current)) return current.map((item) => visit(item, depth + 1));
    if (current instanceof Date || current instanceof RegExp) return current;
    if (current instanceof Map) {
      return new Map(
        [...current].map(([key, item]) => [
          key,
          typeof key === 'string' && isSensitiveKey(key) ? REDACTED : visit(item, depth + 1),
        ]),
      );
    }
    const copy: Record<string | symbol, unknown> = {};
    for (const [key, item] of Object.entries(current)) {
      copy[key] =
        isSensitiveKey(key) && item !== undefined && item !== null && typeof item !== 'object'
          ? REDACTED
          : visit(item, depth + 1);
    }
    const name = (current as { constructor?: { name?: string } }).constructor?.name;
    if (name && name !== 'Object') {
      Object.defineProperty(copy, Symbol.toStringTag, { value: name, enumerable: false });
    }
    return copy;
  };
  return visit(value, 0);
}
