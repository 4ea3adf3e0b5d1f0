/**
 * Temporary cloud credentials for Unity Catalog model versions (what
 * `model-versions/generate-temporary-credentials` vends), and their lookup when a client presents
 * them to the emulated S3, ADLS Gen2 or GCS API. Each credential is scoped to one version's
 * storage prefix, to read or read-write, and expires; a fresh one is issued per call, as UC does.
 */
import { randomBytes } from 'node:crypto';
import { SAS_VERSION, sasExpiry, sasSignature } from './presign.js';
import type { MlflowStore, ModelVersion } from './state.js';

export type ModelVersionOperation =
  | 'MODEL_VERSION_OPERATION_READ'
  | 'MODEL_VERSION_OPERATION_READ_WRITE';

export interface IssuedCredential {
  version: ModelVersion;
  /** Storage URI prefix the credential covers, ending with `/`. */
  prefix: string;
  write: boolean;
  expiresAt: number;
}

export interface S3Credential extends IssuedCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** How long expired credentials stay known (answered as expired rather than unknown). */
const EXPIRED_KEPT_MS = 60 * 60 * 1000;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomKeyId(): string {
  // Temporary (STS) access key ids start with ASIA; 16 more upper-case characters follow.
  return `ASIA${[...randomBytes(16)].map((byte) => ALPHANUMERIC[byte % 32]).join('')}`;
}

export class CloudCredentials {
  readonly s3 = new Map<string, S3Credential>();
  /** By the SAS `sig` value. */
  readonly sas = new Map<string, IssuedCredential>();
  /** By OAuth access token. */
  readonly gcs = new Map<string, IssuedCredential>();

  constructor(private readonly store: MlflowStore) {}

  clear(): void {
    this.s3.clear();
    this.sas.clear();
    this.gcs.clear();
  }

  /** The `credentials` object of `generate-temporary-credentials`. */
  issue(version: ModelVersion, operation: ModelVersionOperation): Record<string, unknown> {
    const now = this.store.now();
    this.prune(now);
    const expiresAt = now + this.store.credentialLifetimeMs;
    const base = {
      version,
      prefix: `${version.storageLocation}/`,
      write: operation === 'MODEL_VERSION_OPERATION_READ_WRITE',
      expiresAt,
    };
    if (version.storageMode === 'default')
      return { expiration_time: expiresAt, storage_mode: 'DEFAULT_STORAGE' };
    if (version.storageMode === 's3') {
      const credential: S3Credential = {
        ...base,
        accessKeyId: randomKeyId(),
        secretAccessKey: randomBytes(30).toString('base64').slice(0, 40),
        sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(96).toString('base64')}`,
      };
      this.s3.set(credential.accessKeyId, credential);
      return {
        expiration_time: expiresAt,
        storage_mode: 'CUSTOMER_HOSTED',
        aws_temp_credentials: {
          access_key_id: credential.accessKeyId,
          secret_access_key: credential.secretAccessKey,
          session_token: credential.sessionToken,
        },
      };
    }
    if (version.storageMode === 'adls') {
      const fields = {
        sv: SAS_VERSION,
        sr: 'd',
        sp: base.write ? 'racwdl' : 'rl',
        se: sasExpiry(expiresAt),
      };
      const sig = this.sasSignature(fields, base.prefix);
      this.sas.set(sig, base);
      const token = Object.entries({ ...fields, sig })
        .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
        .join('&');
      return {
        expiration_time: expiresAt,
        storage_mode: 'CUSTOMER_HOSTED',
        azure_user_delegation_sas: { sas_token: token },
      };
    }
    const token = `ya29.${randomBytes(48).toString('base64url')}`;
    this.gcs.set(token, base);
    return {
      expiration_time: expiresAt,
      storage_mode: 'CUSTOMER_HOSTED',
      gcp_oauth_token: { oauth_token: token },
    };
  }

  /**
   * Finds the SAS credential of a request's query and checks that nobody edited its fields
   * (`se`, `sp`, ...): the signature covers them and the prefix it was issued for.
   */
  lookupSas(
    params: Record<string, string>,
  ):
    | { ok: true; credential: IssuedCredential; permissions: string }
    | { ok: false; reason: string } {
    const { sv, sr, sp, se, sig } = params;
    if (!sv || !sr || !sp || !se || !sig)
      return {
        ok: false,
        reason: 'The SAS token is incomplete (sv, sr, sp, se and sig are required).',
      };
    const credential = this.sas.get(sig);
    if (!credential || this.sasSignature({ sv, sr, sp, se }, credential.prefix) !== sig)
      return { ok: false, reason: 'Signature did not match.' };
    return { ok: true, credential, permissions: sp };
  }

  private sasSignature(fields: Record<string, string>, prefix: string): string {
    return sasSignature(this.store.signingSecret, fields, prefix);
  }

  /**
   * Forgets credentials that expired over an hour ago, so a long-running workspace does not keep
   * one entry per `generate-temporary-credentials` call. Until then an expired credential is still
   * known and answered as expired (`ExpiredToken`), as the clouds do.
   */
  private prune(now: number): void {
    for (const map of [this.s3, this.sas, this.gcs] as Array<Map<string, IssuedCredential>>)
      for (const [key, credential] of map)
        if (credential.expiresAt + EXPIRED_KEPT_MS < now) map.delete(key);
  }
}
