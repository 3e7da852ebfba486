import { Harness, type Officer } from '../support/harness';

/**
 * A token is signed with the M of now, raised or lowered by another replica, after at most
 * one retry.
 */

describe('a token carries the M of now, whatever this process last read', () => {
  let h: Harness;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, officers: [co1] } = await Harness.withOfficers(['co1', 'co2', 'co3']));
  });
  afterAll(() => h.close());

  const issue = () => h.request('POST', '/v1/tokens', co1.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 1 } } });

  it('the token carries the M of now, raised or lowered behind this process’s back', async () => {
    expect((await issue()).body.token.m).toBe(1); // this process now holds USER_MGMT = 1
    // Another replica's setMValue: this process's copy is stale.
    await h.redis.hset(h.store.keys.mValues(), 'USER_MGMT', '3');
    const raised = await issue();
    expect([raised.status, raised.body.token.m, raised.body.token.required]).toEqual([201, 3, 3]);
    await h.redis.hset(h.store.keys.mValues(), 'USER_MGMT', '2');
    const lowered = await issue();
    expect([lowered.status, lowered.body.token.m]).toEqual([201, 2]);
  });

  it('M values that keep changing are answered 409 RET_M_VALUE_CHANGED after one retry: no loop, nothing written', async () => {
    // Every read this process makes is already stale when its script runs.
    const stale = jest.spyOn(h.store.mValues, 'all').mockResolvedValue({ USER_MGMT: 1, QUORUM_MGMT: 1 });
    const lastKnown = jest.spyOn(h.store.mValues, 'lastKnown').mockResolvedValue({ USER_MGMT: 1, QUORUM_MGMT: 1 });
    const scripts = jest.spyOn(h.store.tokens, 'issue');
    try {
      const before = await h.snapshot();
      const res = await issue();
      expect({ status: res.status, code: res.body.code, scripts: scripts.mock.calls.length }).toEqual({ status: 409, code: 'RET_M_VALUE_CHANGED', scripts: 2 });
      expect(await h.snapshot()).toEqual(before);
    } finally {
      stale.mockRestore();
      lastKnown.mockRestore();
      scripts.mockRestore();
    }
  });
});
