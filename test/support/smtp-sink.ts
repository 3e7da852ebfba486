import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const SINK_JS = join(__dirname, '..', '..', 'scripts', 'smtp-sink.js');

export interface ReceivedMail {
  from: string | null;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  /** When this process read it (epoch ms). */
  receivedAt: number;
}

/** A real SMTP server in a child process of its own (scripts/smtp-sink.js) on loopback; what it received, parsed. */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  private child: ChildProcess | undefined;
  port = 0;

  /** Starts the server (on `port`, or any free one). */
  static async start(port = 0): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await sink.listen(port);
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the process on `port` (the same one after a stop: the relay "comes back"). */
  async listen(port = this.port): Promise<void> {
    const child = spawn(process.execPath, [SINK_JS, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`smtp sink exited (${code})`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const parsed = { ...(JSON.parse(line) as Omit<ReceivedMail, 'receivedAt'> | { listening: number }), receivedAt: Date.now() };
        if ('listening' in parsed) {
          this.port = parsed.listening;
          resolve();
        } else this.received.push(parsed as ReceivedMail);
      });
    });
  }

  /** Kills the server process at once (the relay is down). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Waits until `predicate` holds over the messages received. */
  async until(predicate: (mail: ReceivedMail[]) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) throw new Error(`smtp sink: condition not met in ${timeoutMs} ms; got ${JSON.stringify(this.received.map((m) => [m.to, m.subject]))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
