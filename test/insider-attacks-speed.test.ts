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

describe('the same approval sent again with its alg omitted or named (RS256 votes store no alg)', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1', 'co2']));
    await h.setM(admin, 'USER_MGMT', 2, []);
  });
  afterAll(() => h.close());

  const approvalEntries = async (id: string) =>
    (await h.redis.lrange(h.store.keys.audit(), 0, -1)).map((e) => JSON.parse(e)).filter((e) => e.type === 'token.approval' && e.data.id === id);
  const issue = async (n: number) => (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 800 + n } } })).body.token.id as string;

  it('counts once and writes one audit entry (held)', async () => {
    const id = await issue(1);
    const signature = h.openssl.sign(co1.key!.privatePath, await h.tokenBytes(id, co1.token));
    const omitted = await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature });
    expect(omitted.status).toBe(200);
    const before = await h.snapshot();
    const named = await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature, alg: 'RS256' });
    expect(named.status).toBe(200);
    expect(named.body.token.status).toBe('PENDING');
    expect(named.body.token.approvals.map((a: { alg: string }) => a.alg)).toEqual(['RS256']);
    expect(await h.snapshot()).toEqual(before);
    expect(await approvalEntries(id)).toHaveLength(1);
  });

  it('a PS256 vote is not an RS256 one: sent again without alg it is refused, and nothing is added (held)', async () => {
    const id = await issue(2);
    const bytes = await h.tokenBytes(id, co1.token);
    const pss = h.openssl.sign(co1.key!.privatePath, bytes, 'PS256');
    expect((await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: pss, alg: 'PS256' })).status).toBe(200);
    const before = await h.snapshot();
    expect((await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: pss, alg: 'PS256' })).status).toBe(200);
    const asRs = await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: pss });
    expect(asRs.body.code).toBe('RET_SIGNATURE_INVALID');
    const other = await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: h.openssl.sign(co1.key!.privatePath, bytes) });
    expect(other.body.code).toBe('RET_ALREADY_APPROVED');
    expect(await h.snapshot()).toEqual(before);
    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token.approvals.map((a: { alg: string }) => a.alg)).toEqual(['PS256']);
    expect((await approvalEntries(id)).map((e) => e.data)).toEqual([{ id, alg: 'PS256' }]);
  });
});

describe('a remembered session, ended elsewhere, asking while an M changed (two retries stacked)', () => {
  let h: Harness;
  let other: Harness;
  let admin: Officer;
  beforeAll(async () => {
    ({ h, admin } = await Harness.withOfficers(['co1']));
    other = await Harness.start({ prefix: h.prefix, issuer: h.issuer });
  });
  afterAll(async () => {
    await other.close({ keepKeys: true });
    await h.close();
  });

  it('is refused with 401 and issues nothing (held)', async () => {
    const session = await h.login('admin', 'admin-password');
    const ask = (id: number) => h.request('POST', '/v1/tokens', session, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id } } });
    expect((await ask(700)).status).toBe(201); // session and M values now in h's memory
    expect((await other.request('PUT', '/v1/quorum/values/USER_MGMT', admin.token, { m: 2 })).status).toBe(200);
    expect((await other.request('DELETE', '/v1/sessions/current', session)).status).toBe(200);
    const before = await h.snapshot();
    const refused = await ask(701);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('RET_UNAUTHORIZED');
    expect(await h.snapshot()).toEqual(before);
  });
});
