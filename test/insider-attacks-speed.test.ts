import { Harness, type Officer } from './support/harness';

/**
 * A fourth round of insider attacks, on what the speed and memory work changed: sessions
 * remembered for the writes whose scripts check them (issue, approve), the leaner token hash
 * (votes, `used`, the requester index, a finished token's expiry), and the gate that compares
 * the operation's SHA-256 with the token's `operationDigest`. The attacker holds one account.
 * One `describe` per attack, over HTTP on a real Redis, asserting what must happen now.
 */

describe('a deleted officer’s remembered session requests a token', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1', 'co2']));
  });
  afterAll(() => h.close());

  it('is refused (401) and writes nothing, as a fresh read of the session would be', async () => {
    const ask = (id: number) => h.request('POST', '/v1/tokens', co1.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id } } });
    expect((await ask(900)).status).toBe(201); // co1's session is now remembered
    // The user is deleted; its session (generation 0: it never changed its password) stays in Redis.
    expect((await h.request('DELETE', `/v1/users/${co1.id}`, admin.token, {})).status).toBe(200);
    const before = await h.snapshot();
    const refused = await ask(901);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('RET_UNAUTHORIZED');
    expect(await h.snapshot()).toEqual(before);
  });
});

describe('a token whose operation holds a lone UTF-16 surrogate, consumed', () => {
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
