import { Harness, type Officer } from '../support/harness';
import { openStream, type Stream } from '../support/sse-client';

/**
 * Event streams are capped per user and per API key; a refused stream costs no read.
 */

describe('event streams have a budget per user and per API key', () => {
  let h: Harness;
  let url: string;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => h.close());

  it('a user gets at most 8 open streams in a process (an API key has 8 of its own); a closed one frees its place', async () => {
    const streams: Stream[] = [];
    try {
      const key = (await h.request('POST', '/v1/api-keys', co1.token, { name: 'co1-bot' })).body.key as string;
      const id = (await h.request('POST', '/v1/tokens', key, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 1 } } })).body.token.id as string;
      for (let i = 0; i < 6; i++) streams.push(await openStream(url, '/v1/officers/me/pending/events', co1.token));
      for (let i = 0; i < 2; i++) streams.push(await openStream(url, `/v1/tokens/${id}/events`, co1.token));
      expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
      const ninth = await openStream(url, '/v1/officers/me/pending/events', co1.token);
      const byUser = await openStream(url, `/v1/tokens/${id}/events`, co1.token);
      expect([ninth.status, ninth.code, byUser.status, byUser.code]).toEqual([429, 'RET_RATE_LIMITED', 429, 'RET_RATE_LIMITED']);
      // The owner's streams leave its API key's own budget alone.
      const byKey = await openStream(url, `/v1/tokens/${id}/events`, key);
      streams.push(byKey);
      expect(byKey.status).toBe(200);
      // Another officer is not held back by co1's streams.
      const other = await openStream(url, '/v1/officers/me/pending/events', admin.token);
      streams.push(other);
      expect(other.status).toBe(200);

      streams.shift()!.close();
      let again: Stream | undefined;
      for (let i = 0; i < 50 && again?.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 20));
        again = await openStream(url, '/v1/officers/me/pending/events', co1.token);
      }
      streams.push(again!);
      expect(again!.status).toBe(200);
    } finally {
      for (const s of streams) s.close();
    }
  });

  it('a refused stream costs no read of the queue', async () => {
    const streams: Stream[] = [];
    try {
      for (let i = 0; i < 8; i++) streams.push(await openStream(url, '/v1/officers/me/pending/events', co1.token));
      expect(streams.every((s) => s.status === 200)).toBe(true);
      const read = jest.spyOn(h.store.tokens, 'pendingFor');
      // The open streams re-read the queue whenever a token changes, so a read may coincide with
      // the refusal; a refusal that read would show a read every time, so one attempt without is proof.
      let reads = -1;
      for (let attempt = 0; attempt < 5 && reads !== 0; attempt++) {
        read.mockClear();
        const refused = await openStream(url, '/v1/officers/me/pending/events', co1.token);
        expect(refused.status).toBe(429);
        reads = read.mock.calls.length;
      }
      expect(reads).toBe(0);
      read.mockRestore();
    } finally {
      for (const s of streams) s.close();
    }
  });
});
