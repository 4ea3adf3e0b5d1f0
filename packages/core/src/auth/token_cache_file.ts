/**
 * On-disk cache of `external-browser` tokens, so a user logs in once and not on every process
 * start. The file holds refresh tokens, so it is written with mode 0600 (directory 0700) through a
 * temporary file and a rename: a crash never leaves a half-written or world-readable file.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Token } from './cached_token_source.js';

interface StoredToken {
  access_token: string;
  token_type?: string;
  refresh_token?: string;
  expires_at?: string;
}

interface CacheFileContent {
  version: 1;
  tokens: Record<string, StoredToken>;
}

/** Cache entries are per workspace and OAuth client: one user may log in to several. */
export function tokenCacheKey(host: string, clientId: string): string {
  return `${host}|${clientId}`;
}

async function readAll(path: string): Promise<CacheFileContent> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    const tokens = (parsed as { tokens?: unknown } | null)?.tokens;
    if (tokens && typeof tokens === 'object' && !Array.isArray(tokens)) {
      return { version: 1, tokens: tokens as Record<string, StoredToken> };
    }
  } catch {
    // Missing or corrupt: start empty; the worst case is one extra browser login.
  }
  return { version: 1, tokens: {} };
}

export async function readCachedToken(path: string, key: string): Promise<Token | undefined> {
  const stored = (await readAll(path)).tokens[key];
  if (!stored || typeof stored.access_token !== 'string') return undefined;
  const expiresAt = stored.expires_at ? new Date(stored.expires_at) : undefined;
  return {
    accessToken: stored.access_token,
    tokenType: stored.token_type,
    refreshToken: typeof stored.refresh_token === 'string' ? stored.refresh_token : undefined,
    expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt : undefined,
  };
}

export async function writeCachedToken(path: string, key: string, token: Token): Promise<void> {
  const content = await readAll(path);
  content.tokens[key] = {
    access_token: token.accessToken,
    token_type: token.tokenType,
    refresh_token: token.refreshToken,
    expires_at: token.expiresAt?.toISOString(),
  };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
    // `mode` is filtered by the umask; chmod makes it exact (it can only get stricter anyway).
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
