import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Profile {
  url?: string;
  token?: string;
  /** The logged-in user (for register-key, and changePswd of oneself). */
  userId?: number;
  /** Its name, as loginHSM was given it. */
  userName?: string;
}

/** Where a CLI run keeps its session between runs: a file for the binary, anything for a test. */
export interface ProfileStore {
  read(): Profile;
  write(profile: Profile): void;
}

/** The environment variables the CLI reads (QUORUM_URL, QUORUM_TOKEN, QUORUM_PROFILE, QUORUM_KEY_PASSPHRASE). */
export type CliEnv = Readonly<Record<string, string | undefined>>;

/** The profile file: `$QUORUM_PROFILE`, else ~/.quorum/profile.json. */
export function profilePath(env: CliEnv): string {
  return env.QUORUM_PROFILE ?? join(homedir(), '.quorum', 'profile.json');
}

/** A profile kept in a JSON file, written 0600 (it holds a session token). */
export function profileFile(path: string): ProfileStore {
  return {
    read: () => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Profile) : {}),
    write: (profile) => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(profile, null, 2) + '\n', { mode: 0o600 });
      chmodSync(path, 0o600);
    },
  };
}

/** Flags win over the environment (QUORUM_URL, QUORUM_TOKEN), which wins over the profile. */
export function resolveConnection(flags: { url?: string; token?: string }, env: CliEnv, profile: Profile): { url: string; token?: string } {
  const token = flags.token ?? env.QUORUM_TOKEN ?? profile.token;
  return { url: flags.url ?? env.QUORUM_URL ?? profile.url ?? 'http://127.0.0.1:8080', ...(token ? { token } : {}) };
}
