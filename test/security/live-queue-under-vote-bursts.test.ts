import { Harness, type Officer } from '../support/harness';
import { openStream } from '../support/sse-client';

/**
 * A new token reaches the live queue at once while other tokens change all the time.
 */

describe('the live queue stays live under a burst of votes', () => {
  let h: Harness;
  let url: string;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => h.close());

  it('a new token reaches the queue within a fraction of a second while other tokens change every 20 ms', async () => {
    const queue = await openStream(url, '/v1/officers/me/pending/events', co1.token);
    // What any officer's votes publish, on some other token, without a pause.
    const noise = setInterval(() => void h.redis.publish(h.store.keys.events(), 'someone-else VOTE'), 20);
    try {
      await queue.next();
      await new Promise((r) => setTimeout(r, 200));
      const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 1 } } });
      const event = await queue.next(1500);
      expect(event.data.tokens.map((t: { id: string }) => t.id)).toEqual([issued.body.token.id]);
    } finally {
      clearInterval(noise);
      queue.close();
    }
  });
});
