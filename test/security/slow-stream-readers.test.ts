import { connect, type Socket } from 'node:net';
import { Harness, type Officer } from '../support/harness';
import { ids } from '../support/sse-client';

/**
 * A client that stops reading its stream costs the server only the latest queue.
 */

describe("a client that does not read its stream holds only the latest queue in the server's memory", () => {
  let h: Harness;
  let url: URL;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    url = new URL(await h.app.listen({ port: 0, host: '127.0.0.1' }));
  });
  afterAll(() => h.close());

  it('the server keeps only the latest queue for a client that is behind, and sends it when the client reads again', async () => {
    // 100 tokens of ~4 KB each: every change of the queue is a ~0.5 MB event.
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { memo: 'x'.repeat(3900), n: i } } });
      ids.push(res.body.token.id as string);
    }
    // co1's stream, read by nobody: the socket is paused from the start.
    const socket: Socket = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.on('error', () => undefined);
    socket.write(`GET /v1/officers/me/pending/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${co1.token}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 200));
    // co2 rejects 40 of them, one at a time: 40 new queues (~20 MB) for co1's stream.
    for (const id of ids.slice(0, 40)) {
      await h.request('POST', `/v1/tokens/${id}/rejections`, co2.token, { reason: 'no' });
      await new Promise((r) => setTimeout(r, 70));
    }
    // co1 reads at last: what the socket held, then the latest queue; not the 41 queues made meanwhile.
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.resume();
    const lastQueue = () => {
      const at = text.lastIndexOf('event: pending\ndata: ');
      const end = at < 0 ? -1 : text.indexOf('\n\n', at);
      return end < 0 ? undefined : (JSON.parse(text.slice(at + 'event: pending\ndata: '.length, end)) as { tokens: { rejections: unknown[] }[] });
    };
    const rejected = () => lastQueue()?.tokens.filter((t) => t.rejections.length > 0).length ?? 0;
    for (let i = 0; i < 200 && rejected() < 40; i++) await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    const sent = text.split('event: pending\n').length - 1;
    expect({ latest: rejected(), fewerThanMade: sent < 20 }).toEqual({ latest: 40, fewerThanMade: true });
  }, 60_000);
});
