/**
 * `runtime`: code running on a Databricks cluster driver (`DATABRICKS_RUNTIME_VERSION` is set).
 * Node has no access to the notebook context's API token, so the token must come from
 * `DATABRICKS_TOKEN`; it is read on every call because the environment may be refreshed.
 */
import { DatabricksAuthError } from '../errors.js';
import type { AuthType, CredentialsProvider, GetAuthHeadersOptions } from '../types.js';

export class RuntimeCredentialsProvider implements CredentialsProvider {
  readonly authType: AuthType = 'runtime';
  readonly #env: Record<string, string | undefined>;

  constructor(env: Record<string, string | undefined>) {
    this.#env = env;
  }

  async getAuthHeaders(options: GetAuthHeadersOptions = {}): Promise<Record<string, string>> {
    options.signal?.throwIfAborted();
    const token = this.#env.DATABRICKS_TOKEN?.trim();
    if (!token) {
      throw new DatabricksAuthError(
        'Running on a Databricks cluster (DATABRICKS_RUNTIME_VERSION is set) but no token is ' +
          'available to Node.js. Set DATABRICKS_TOKEN in the cluster environment (for example ' +
          'from a secret: `{{secrets/<scope>/<key>}}`), or configure OAuth M2M with ' +
          'DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET.',
        { authType: 'runtime', errorCode: 'NO_RUNTIME_TOKEN' },
      );
    }
    return { Authorization: `Bearer ${token}` };
  }

  toJSON(): Record<string, unknown> {
    return { authType: this.authType };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `CredentialsProvider { authType: 'runtime' }`;
  }
}
