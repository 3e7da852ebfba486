import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Profile {
  url?: string;
  token?: string;
  /** The logged-in user (for register-key). */
  userId?: number;
}

/** The profile file: `$QUORUM_PROFILE`, else ~/.quorum/profile.json (written 0600: it holds a session token). */
function profilePath(): string {
  return process.env.QUORUM_PROFILE ?? join(homedir(), '.quorum', 'profile.json');
}

export function readProfile(): Profile {
  const path = profilePath();
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Profile) : {};
}

export function writeProfile(profile: Profile): void {
  const path = profilePath();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(profile, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Flags win over the environment (QUORUM_URL, QUORUM_TOKEN), which wins over the profile. */
export function resolveConnection(flags: { url?: string; token?: string }): { url: string; token?: string } {
  const profile = readProfile();
  const token = flags.token ?? process.env.QUORUM_TOKEN ?? profile.token;
  return { url: flags.url ?? process.env.QUORUM_URL ?? profile.url ?? 'http://127.0.0.1:8080', ...(token ? { token } : {}) };
}
