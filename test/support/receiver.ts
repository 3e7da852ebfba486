import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  at: number;
}

/** A real HTTP receiver on loopback for webhooks and callbacks; `respond` decides the status. */
export class Receiver {
  readonly received: Received[] = [];
  respond: (body: string) => number = () => 200;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = receiver!.respond(body);
        receiver!.received.push({ headers: req.headers, body, status, at: Date.now() });
        res.writeHead(status).end();
        receiver!.waiters.splice(0).forEach((w) => w());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    receiver = new Receiver(server, `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`);
    return receiver;
  }

  /** Accepted (2xx) deliveries, parsed. */
  accepted(): { event: string; deliveryId: string; token: { id: string; status: string } }[] {
    return this.received
      .filter((r) => r.status >= 200 && r.status < 300)
      .map((r) => ({ ...(JSON.parse(r.body) as { event: string; token: { id: string; status: string } }), deliveryId: String(r.headers['x-quorum-delivery']) }));
  }

  /** Waits until `predicate` holds over what was received, or fails after `timeoutMs`. */
  async until(predicate: (received: Received[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) throw new Error(`receiver: condition not met in ${timeoutMs} ms; got ${JSON.stringify(this.received.map((r) => [r.status, r.body.slice(0, 80)]))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
