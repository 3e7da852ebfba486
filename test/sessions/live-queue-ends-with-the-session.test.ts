import { Harness, type Officer } from '../support/harness';
import { ids, openStream } from '../support/sse-client';

/**
 * The live queue and a token's event stream end when the session or API key they were
 * opened with ends.
 */

describe('the live queue and token streams end with the session or API key', () => {
  let h: Harness;
  let url: string;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2, co3] } = await Harness.withOfficers(['co1', 'co2', 'co3']));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => h.close());

  const newToken = async (name: string) =>
    (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'createUser', args: { type: 'CU', name: name.replace(/-/g, '_') } } })).body.token.id as string;

  it.each([
    ['signs out', async (o: Officer) => (await h.request('DELETE', '/v1/sessions/current', o.token)).status],
    ['has its password changed by an administrator', async (o: Officer) => (await h.request('PUT', `/v1/users/${o.id}/password`, admin.token, { password: `reset-${o.name}-pw` })).status],
    ['is deleted', async (o: Officer) => (await h.request('DELETE', `/v1/users/${o.id}`, admin.token, {})).status],
  ] as const)('an officer that %s hears of no new token: its queue stream ends', async (what, end) => {
    const victim = { 'signs out': co1, 'has its password changed by an administrator': co2, 'is deleted': co3 }[what];
    const queue = await openStream(url, '/v1/officers/me/pending/events', victim.token);
    try {
      expect(queue.status).toBe(200);
      await queue.next();
      expect(await end(victim)).toBe(200);
      const secret = await newToken(`after-${victim.name}`);
      const { ended, events } = await queue.ended(3000);
      expect({ ended, leaked: ids(events).includes(secret) }).toEqual({ ended: true, leaked: false });
    } finally {
      queue.close();
    }
  });

  it("a revoked API key hears no more of its token's votes: the token stream ends", async () => {
    const created = await h.request('POST', '/v1/api-keys', admin.token, { name: 'watcher' });
    const key = created.body.key as string;
    const issued = await h.request('POST', '/v1/tokens', key, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 5 } } });
    const id = issued.body.token.id as string;
    const events = await openStream(url, `/v1/tokens/${id}/events`, key);
    try {
      expect(events.status).toBe(200);
      expect((await events.next()).data).toMatchObject({ id, rejections: [] });
      expect((await h.request('DELETE', `/v1/api-keys/${created.body.apiKey.id}`, admin.token)).status).toBe(200);
      await h.request('POST', `/v1/tokens/${id}/rejections`, admin.token, { reason: 'internal: the payee is under investigation' });
      const { ended, events: after } = await events.ended(3000);
      expect({ ended, sent: after.length }).toEqual({ ended: true, sent: 0 });
    } finally {
      events.close();
    }
  });
});
