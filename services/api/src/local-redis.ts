import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** A redis-server that quorumd started for itself (when REDIS_URL is unset). */
export interface LocalRedis {
  url: string;
  stop(): Promise<void>;
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

/** Stops a redis-server left running on this data dir by an earlier run that was killed. */
function stopOrphan(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes('redis-server')) process.kill(pid, 'SIGTERM');
  } catch {
    // Not running any more, or not ours to look at.
  }
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

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolveExit();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit();
    });
  });
}

/**
 * Starts `redis-server` on a free loopback port with AOF persistence under
 * `<dataDir>/redis`, or fails saying what to install.
 */
export async function startLocalRedis(dataDir: string, binary = 'redis-server'): Promise<LocalRedis> {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new LocalRedisError(
      'REDIS_URL is not set and no redis-server was found to start one. Install Redis 7 ' +
        '(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:6379.',
    );
  }
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, 'redis.pid');
  stopOrphan(pidFile);
  const port = await freePort();
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--pidfile', pidFile,
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction',
    // Token hashes hold values up to ~700 bytes (token bytes, votes): keep them listpack-encoded.
    '--hash-max-listpack-value', '1024',
    '--daemonize', 'no', '--logfile', join(dir, 'redis.log'),
  ];
  const child = spawn(binary, args, { stdio: 'ignore' });
  const started = await new Promise<boolean>((resolveStart) => {
    child.once('error', () => resolveStart(false));
    child.once('exit', () => resolveStart(false));
    child.once('spawn', () => resolveStart(true));
  });
  const deadline = Date.now() + 10_000;
  let listening = false;
  while (started && !listening && child.exitCode === null && Date.now() < deadline) {
    listening = await portAccepts(port);
    if (!listening) await new Promise((r) => setTimeout(r, 50));
  }
  if (!listening) {
    child.kill('SIGKILL');
    throw new LocalRedisError(`redis-server failed to start; see ${join(dir, 'redis.log')}`);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await waitForExit(child, 5000);
    },
  };
}
