import type { ChildProcess } from 'node:child_process';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Resolves when the child has exited (at once if it already has). */
export function exitOf(child: ChildProcess): Promise<ChildExit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Sends `signal` and waits for the exit; SIGKILL after `killAfterMs` if it has not gone by
 * then. Tests await this in finally/afterAll so that no process outlives its test.
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 10_000): Promise<ChildExit> {
  const exit = exitOf(child);
  if (child.exitCode !== null || child.signalCode !== null) return exit;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  try {
    return await exit;
  } finally {
    clearTimeout(timer);
  }
}
