import { connectForEvents } from '@quorumd/store';
import { Harness, REDIS_URL, type Officer } from '../support/harness';

/**
 * What a vote publishes on the shared pub/sub channel: its token id and VOTE, nothing more.
 */

describe('a vote publishes its token id and nothing of the vote', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1', 'co2', 'co3']));
    await h.setM(admin, 'USER_MGMT', 3, [admin]);
  });
  afterAll(() => h.close());

  it('an approval or a rejection that leaves the token PENDING publishes its id and VOTE, nothing of the vote', async () => {
    const listener = connectForEvents(REDIS_URL);
    const heard: string[] = [];
    try {
      listener.on('message', (_channel: string, message: string) => heard.push(message));
      await listener.subscribe(h.store.keys.events());
      const id = (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 1 } } })).body.token.id as string;
      expect((await h.approve(id, co1)).body.token.status).toBe('PENDING');
      expect((await h.request('POST', `/v1/tokens/${id}/rejections`, admin.token, { reason: 'secret reason' })).body.token.status).toBe('PENDING');
      for (let i = 0; i < 50 && heard.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toEqual([`${id} PENDING`, `${id} VOTE`, `${id} VOTE`]);
    } finally {
      listener.disconnect();
    }
  });
});
