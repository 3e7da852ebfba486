import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { localInstancePath, localInstanceRunning, readLocalInstance, type LocalInstance } from '@quorumd/store';
import { StartError } from './start-error';

/**
 * The data dir belongs to one quorumd at a time. The lock is the instance record
 * (`<dataDir>/quorumd.lock`), created atomically; a record whose process is gone is stale
 * and is taken over (its `previous` is returned so that the caller can stop the
 * redis-server that process left behind).
 */
export class DataDirLock {
  private released = false;

  private constructor(
    readonly dataDir: string,
    private record: LocalInstance,
    /** The stale record this lock replaced, if any. */
    readonly previous: LocalInstance | undefined,
  ) {}

  get path(): string {
    return localInstancePath(this.dataDir);
  }

  /** Takes the data dir, or throws a StartError naming the quorumd that holds it. */
  static acquire(dataDir: string): DataDirLock {
    const dir = resolve(dataDir);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new StartError(`cannot create the data dir ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)}); set QUORUM_DATA_DIR to a directory you may write`);
    }
    const record: LocalInstance = { pid: process.pid, startedAt: new Date().toISOString(), dataDir: dir };
    const lockPath = localInstancePath(dir);
    const ours = `${lockPath}.${process.pid}`;
    writeFileSync(ours, JSON.stringify(record) + '\n');
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          // link() fails if the lock exists: exactly one of two starts gets it, with its content in place.
          linkSync(ours, lockPath);
          return new DataDirLock(dir, record, undefined);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const holder = readLocalInstance(dir);
        if (holder && localInstanceRunning(holder)) throw lockedBy(holder);
        const previous = takeOverStale(lockPath, holder, ours);
        if (previous !== 'lost') return new DataDirLock(dir, record, previous);
      }
      throw new StartError(`could not lock the data dir ${dir}: another quorumd is starting on it at the same moment`);
    } finally {
      unlinkSync(ours);
    }
  }

  /** Adds what is known now (the Redis, then the URL) to the record. */
  update(fields: Partial<Omit<LocalInstance, 'pid' | 'startedAt' | 'dataDir'>>): void {
    if (this.released) return;
    this.record = { ...this.record, ...fields };
    const temp = `${this.path}.${process.pid}`;
    writeFileSync(temp, JSON.stringify(this.record) + '\n');
    renameSync(temp, this.path);
  }

  /** Removes the lock if it is still ours. Synchronous: safe in a process 'exit' handler. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (readLocalInstance(this.dataDir)?.pid === process.pid) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}

function lockedBy(holder: LocalInstance): StartError {
  const where = holder.url ?? (holder.redisUrl ? `starting, Redis ${holder.redisUrl}` : 'starting');
  return new StartError(
    `the data dir ${holder.dataDir} is in use by a running quorumd (pid ${holder.pid}, ${where}); ` +
      `use that one, stop it first (Ctrl-C in its terminal, or kill ${holder.pid}), or set QUORUM_DATA_DIR to another directory`,
  );
}

/**
 * Replaces a stale lock with ours. The stale file is first moved aside under a name of our
 * own, so that of two starts taking it over at once only one succeeds; the other sees 'lost'
 * and tries again (and then finds the winner running).
 */
function takeOverStale(lockPath: string, stale: LocalInstance | undefined, ours: string): LocalInstance | undefined | 'lost' {
  const aside = `${lockPath}.stale.${process.pid}`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return 'lost';
  }
  const moved = readFileOrEmpty(aside);
  if (stale && !moved.includes(`"pid":${stale.pid},`)) {
    // Someone else's fresh lock: put it back.
    try {
      linkSync(aside, lockPath);
    } catch {
      // It was replaced again meanwhile; the next attempt reads whatever is there.
    }
    unlinkSync(aside);
    return 'lost';
  }
  unlinkSync(aside);
  try {
    linkSync(ours, lockPath);
  } catch {
    return 'lost';
  }
  return stale;
}

function readFileOrEmpty(path: string): string {
  try {
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  } catch {
    return '';
  }
}
