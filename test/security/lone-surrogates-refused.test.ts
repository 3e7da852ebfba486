import { Harness, type Officer } from '../support/harness';

/**
 * Operations holding a lone UTF-16 surrogate (not Unicode text) are refused with a code at
 * issue and at /consume, never a 500.
 */

describe('an operation holding a lone UTF-16 surrogate is refused with a code, never a 500', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
  });
  afterAll(() => h.close());

  it('is refused at issue with 400 and a code (the gate could never read its bytes), never a 500 later', async () => {
    for (const text of ['\ud800', 'a\udc00b', '\udbff\udbff']) {
      const operation = { command: 'deployRelease', args: { note: text } };
      const before = await h.snapshot();
      const res = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('RET_BAD_REQUEST');
      expect(await h.snapshot()).toEqual(before);
    }
    // A well-formed pair (an emoji) is fine, end to end.
    const operation = { command: 'deployRelease', args: { note: 'ship \ud83d\ude80' } };
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation });
    expect(issued.status).toBe(201);
    expect((await h.approve(issued.body.token.id, co1)).body.token.status).toBe('APPROVED');
    const used = await h.request('POST', `/v1/tokens/${issued.body.token.id}/consume`, admin.token, { operation });
    expect(used.status).toBe(200);
    expect(used.body.bundle.status).toBe('CONSUMED');
  });

  it('a token already stored with one (issued before this check) is refused at /consume with a code, not a 500', async () => {
    const operation = { command: 'deployRelease', args: { note: 'x' } };
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation });
    const id = issued.body.token.id as string;
    // Put the bytes an older quorumd would have stored for { note: '\ud800' } in place.
    const tkey = h.store.keys.token(id);
    const doc = (await h.redis.hget(tkey, 'doc'))!.replace('"note":"x"', '"note":"\\ud800"');
    await h.redis.hset(tkey, 'doc', doc);
    await h.approve(id, co1);
    const res = await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation: { command: 'deployRelease', args: { note: 'x' } } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('RET_MXN_AUTH_FAILED');
  });
});
