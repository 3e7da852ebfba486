import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer credentials. Sessions (`qs_<random>`) and API keys (`qk_<id>_<secret>`) are shown
 * once and stored only as their SHA-256.
 */
export const SESSION_PREFIX = 'qs_';
export const API_KEY_PREFIX = 'qk_';
export const API_KEY_PATTERN = /^qk_([0-9a-f]{12})_([A-Za-z0-9_-]{32})$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A new session token. */
export function newSessionToken(): string {
  return SESSION_PREFIX + randomBytes(32).toString('base64url');
}

/** A new API key: the secret is shown once, only its hash is stored. */
export function newApiKeySecret(): { id: string; key: string; hash: string } {
  const id = randomBytes(6).toString('hex');
  const key = `${API_KEY_PREFIX}${id}_${randomBytes(24).toString('base64url')}`;
  return { id, key, hash: sha256Hex(key) };
}
