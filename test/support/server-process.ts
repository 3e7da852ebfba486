import { freePort } from '@quorumd/api';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitOf, stopChild, type ChildExit } from './child-exit';

export const REPO_ROOT = join(__dirname, '..', '..');
export const SERVER_JS = join(REPO_ROOT, 'services', 'api', 'dist', 'server.js');

interface StartOptions {
  cwd?: string;
  /** 'npm': `npm start` in the repository (without its build step), as a newcomer runs it. */
  via?: 'node' | 'npm';
  /** In a process group of its own (as a terminal runs a command), so that the group can be signalled like Ctrl-C does. */
  group?: boolean;
}

/** The built API as a child process, as `npm start` runs it. */
export class ServerProcess {
  stdout = '';
  stderr = '';
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    private readonly group: boolean,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Starts it and waits until /healthz answers. */
  static async start(env: Record<string, string>, cwdOrOptions?: string | StartOptions): Promise<ServerProcess> {
    const options: StartOptions = typeof cwdOrOptions === 'string' ? { cwd: cwdOrOptions } : (cwdOrOptions ?? {});
    const port = env.PORT ? Number(env.PORT) : await freePort();
    // A data dir outside the repository unless the test names one (the worker keeps its audit key there).
    const dataDir = options.cwd === undefined ? { QUORUM_DATA_DIR: join(tmpdir(), 'quorumd-test-data') } : {};
    const fullEnv = { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn', ...dataDir, ...env };
    const child =
      options.via === 'npm'
        ? spawn('npm', ['start', '--ignore-scripts', '--no-update-notifier'], {
            env: { HOME: process.env.HOME ?? '', ...fullEnv },
            cwd: options.cwd ?? REPO_ROOT,
            stdio: ['ignore', 'pipe', 'pipe'],
            detached: options.group === true,
          })
        : spawn(process.execPath, [SERVER_JS], { env: fullEnv, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: options.group === true });
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`, options.group === true);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited: ${server.output}`);
      try {
        if ((await fetch(`${server.url}/healthz`)).ok) return server;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.kill();
    throw new Error(`server did not come up: ${server.output}`);
  }

  /** Resolves once the output matches (stdout and stderr), failing after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  exited(): Promise<ChildExit> {
    return exitOf(this.child);
  }

  /** Sends the signal and waits for the exit code (SIGKILL after 15 s: no test leaves it running). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    return (await stopChild(this.child, signal, 15_000)).code;
  }

  /** Signals the whole process group, as a terminal's Ctrl-C does (needs `group: true`). */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.pid, signal);
  }

  /** SIGKILL to it (and to every process left in its group when it has one); for finally blocks. */
  async kill(): Promise<void> {
    if (this.group) {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        // The group is empty already.
      }
    }
    await stopChild(this.child, 'SIGKILL');
    // A grandchild that outlived it would hold these pipes open (and jest with them).
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }
}
