import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { processExists } from '@quorumd/store';

/** A redis-server that quorumd started for itself (when REDIS_URL is unset). */
export interface LocalRedis {
  url: string;
  pid: number;
  /** The AOF directory (`<dataDir>/redis`). */
  dir: string;
  /** SIGTERM (Redis flushes its AOF and exits), SIGKILL after `timeoutMs`. Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

export class LocalRedisError extends Error {
  override name = 'LocalRedisError';
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function redisDir(dataDir: string): string {
  return resolve(dataDir, 'redis');
}

/** Whether `pid` is a redis-server working in `dir` (its cwd, or where /proc cannot tell, its name). */
function isRedisIn(pid: number, dir: string): boolean {
  if (!processExists(pid)) return false;
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd === dir || (existsSync(dir) && cwd === realpathSync(dir));
  } catch {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
    } catch {
      return false;
    }
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processExists(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/**
 * Stops a redis-server that a killed quorumd left running on this data dir. Call it only
 * while holding the data dir's lock: the pids come from the stale lock record and from
 * Redis's own pid file, and each is checked to be a redis-server working in this data dir.
 */
export async function stopLeftoverRedis(dataDir: string, recordedPid?: number): Promise<number[]> {
  const dir = redisDir(dataDir);
  const pids = new Set<number>();
  if (recordedPid) pids.add(recordedPid);
  const pidFile = join(dir, 'redis.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) pids.add(pid);
  }
  const stopped: number[] = [];
  for (const pid of pids) {
    if (pid === process.pid || !isRedisIn(pid, dir)) continue;
    process.kill(pid, 'SIGTERM');
    if (!(await waitUntilGone(pid, 5000))) process.kill(pid, 'SIGKILL');
    await waitUntilGone(pid, 2000);
    stopped.push(pid);
  }
  return stopped;
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolveProbe(true);
    });
    socket.once('error', () => resolveProbe(false));
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  return new Promise((resolveExit) => {
    if (exited(child)) return resolveExit(true);
    const timer = setTimeout(() => resolveExit(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit(true);
    });
  });
}

/** Signals the redis-server's own process group (it and any AOF-rewrite child it forked). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || exited(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function lastLogLine(logFile: string): string | undefined {
  try {
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    // "12345:M 29 Nov 2026 09:00:00.000 # Can't open the append-only file: Permission denied"
    return lines.at(-1)?.replace(/^\d+:[A-Z] [^#*.-]*[#*.-] /, '').trim();
  } catch {
    return undefined;
  }
}

/**
 * Starts `redis-server` on a free loopback port with AOF persistence under
 * `<dataDir>/redis`, or fails saying what to install. The server runs in a process group of
 * its own, so that a terminal's Ctrl-C reaches quorumd only, which stops Redis after the API
 * has drained; should this process exit any other way, Redis is sent SIGTERM on the way out.
 */
export async function startLocalRedis(dataDir: string, binary = 'redis-server'): Promise<LocalRedis> {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new LocalRedisError(
      'REDIS_URL is not set and no redis-server was found to start one. Install Redis 7 ' +
        '(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:6379.',
    );
  }
  const dir = redisDir(dataDir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new LocalRedisError(`cannot create ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)}); set QUORUM_DATA_DIR to a directory you may write`);
  }
  const logFile = join(dir, 'redis.log');
  // The port is free when picked, but another program may take it first: then try another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawnRedis(binary, port, dir, logFile);
    const onExit = () => signalGroup(child, 'SIGTERM');
    process.on('exit', onExit);
    if (await listening(child, port, 10_000)) {
      let stopping: Promise<void> | undefined;
      return {
        url: `redis://127.0.0.1:${port}`,
        pid: child.pid as number,
        dir,
        stop: (timeoutMs = 5000) => {
          stopping ??= (async () => {
            signalGroup(child, 'SIGTERM');
            if (!(await waitForExit(child, timeoutMs))) {
              signalGroup(child, 'SIGKILL');
              await waitForExit(child, 2000);
            }
            process.off('exit', onExit);
          })();
          return stopping;
        },
      };
    }
    signalGroup(child, 'SIGKILL');
    await waitForExit(child, 2000);
    process.off('exit', onExit);
    const reason = lastLogLine(logFile);
    if (attempt < 3 && reason && /address already in use/i.test(reason)) continue;
    throw new LocalRedisError(`redis-server failed to start${reason ? `: ${reason}` : ''} (log: ${logFile})`);
  }
}

function spawnRedis(binary: string, port: number, dir: string, logFile: string): ChildProcess {
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--pidfile', join(dir, 'redis.pid'),
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction',
    // Token hashes hold values up to ~700 bytes (token bytes, votes): keep them listpack-encoded.
    '--hash-max-listpack-value', '1024',
    '--daemonize', 'no', '--logfile', logFile,
  ];
  // detached: a process group of its own, out of reach of the terminal's Ctrl-C.
  const child = spawn(binary, args, { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  return child;
}

async function listening(child: ChildProcess, port: number, timeoutMs: number): Promise<boolean> {
  const started = await new Promise<boolean>((resolveStart) => {
    child.once('error', () => resolveStart(false));
    child.once('spawn', () => resolveStart(true));
  });
  const deadline = Date.now() + timeoutMs;
  while (started && !exited(child) && Date.now() < deadline) {
    if (await portAccepts(port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
