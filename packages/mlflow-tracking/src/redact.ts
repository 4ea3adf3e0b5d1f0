/**
 * Secret hygiene. Two layers: values under credential-looking keys are masked while spans and
 * records are serialised (here), and the known secrets of the active connection (MLflow
 * token/password) are scrubbed from every text we upload or print with core's `redactSecrets`.
 */

// Matches apiKey, api_key, openAIApiKey, password, client_secret, authorization, access_token...
// but not token counts (input_tokens, max_tokens, total_tokens).
const SECRET_KEY =
  /(api[_-]?key|apikey|secret|passw(or)?d|authorization|credential|private[_-]?key|access[_-]?token|refresh[_-]?token|id[_-]?token|auth[_-]?token|bearer|session[_-]?token|^token$|[_-]token$)/i;

export function isSecretKey(key: string): boolean {
  return key.length > 0 && SECRET_KEY.test(key) && !/tokens$/i.test(key);
}
