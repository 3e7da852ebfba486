import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Whether a process with this pid exists (and is not a zombie waiting to be reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The pids of every redis-server working in `dir` (its cwd), found through /proc. */
export function redisServersIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('redis-server')) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to look at.
    }
  }
  return pids;
}

/**
 * SIGKILL to each pid still alive whose command line matches `command` (for afterAll:
 * nothing the tests started outlives them, and a pid reused by another program is spared).
 */
export function killAll(pids: number[], command = /redis-server|server\.js/): void {
  for (const pid of pids) {
    try {
      if (alive(pid) && command.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Waits until none of the pids is alive, up to `timeoutMs`; returns those still alive. */
export async function waitGone(pids: number[], timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    left = left.filter(alive);
  }
  return left;
}
