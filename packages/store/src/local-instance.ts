import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The record a quorumd started with a local redis-server keeps in its data dir while it
 * runs (`<dataDir>/quorumd.lock`): it locks the data dir, and tells other tools (a second
 * start, `npm run audit:verify`) which process and which Redis are in use.
 */
export interface LocalInstance {
  pid: number;
  startedAt: string;
  dataDir: string;
  /** The API's URL, once it listens. */
  url?: string;
  redisUrl?: string;
  redisPid?: number;
  prefix?: string;
}

const LOCAL_INSTANCE_FILE = 'quorumd.lock';

export function localInstancePath(dataDir: string): string {
  return join(dataDir, LOCAL_INSTANCE_FILE);
}

/** The record in `dataDir`, or undefined when there is none (or it cannot be read). */
export function readLocalInstance(dataDir: string): LocalInstance | undefined {
  let text: string;
  try {
    text = readFileSync(localInstancePath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LocalInstance>;
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return undefined;
    return parsed as LocalInstance;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (one we may not signal counts: it exists). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the record's process is still the quorumd that wrote it: it exists, it is not
 * this very process (a container restarted with the same pid), and — where /proc tells —
 * it runs node.
 */
export function localInstanceRunning(instance: LocalInstance): boolean {
  if (instance.pid === process.pid || !processExists(instance.pid)) return false;
  try {
    return readFileSync(`/proc/${instance.pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return true;
  }
}
