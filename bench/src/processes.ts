import { freePort } from '@quorumd/api';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface Child {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

// Children still running when the bench exits (also on a failure) are killed with it.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts a node script as a child process and waits until `readyPath` answers. */
export async function startChild(script: string, env: Record<string, string>, readyPath: string | null): Promise<Child> {
  const port = await freePort();
  // QUORUM_BENCH_PROFILE=DIR writes a CPU profile of each child (node --cpu-prof) there.
  const profile = process.env.QUORUM_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.QUORUM_BENCH_PROFILE] : [];
  const child = spawn(process.execPath, [...profile, join(ROOT, script)], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (readyPath !== null) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${script} did not come up`);
    try {
      if ((await fetch(url + readyPath)).status < 500) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs a node script to its end and answers what it printed (it fails when the script does). */
export function runToEnd(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    live.add(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('exit', (code) => {
      live.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${script} exited with ${code}`));
    });
  });
}
