import { sha256Hex } from '@quorumd/core';
import { Harness, type Officer } from '../support/harness';

/**
 * An approval does not read the caller's session before it runs: the approve script checks
 * it in the same step as the vote, and the API takes a session it resolved in the last
 * minute as it was then. These are the ways that memory could be wrong; none lets a vote in,
 * none refuses a good one.
 */
describe('approvals with a remembered session', () => {
  let h: Harness;
  let other: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2, co3] } = await Harness.withOfficers(['co1', 'co2', 'co3']));
    // A second API replica: a change made there is not in this one's memory.
    other = await Harness.start({ prefix: h.prefix, issuer: h.issuer });
    await h.setM(admin, 'USER_MGMT', 3, [admin, co1]);
  });
  afterAll(async () => {
    await other.close({ keepKeys: true });
    await h.close();
  });

  /** Signs the token's bytes (read by the admin: the officer's session may be over) and posts the approval through `via`. */
  const approveVia = async (via: Harness, id: string, officer: Officer) =>
    via.request('POST', `/v1/tokens/${id}/approvals`, officer.token, { signature: h.openssl.sign(officer.key!.privatePath, await h.tokenBytes(id, admin.token)) });

  const issue = async (n: number) => (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 900 + n } } })).body.token.id as string;

  it('a session ended on another replica cannot approve through a replica that remembers it', async () => {
    const officer = { ...co1, token: await h.login('co1', 'co1-password') };
    expect((await h.approve(await issue(1), officer)).status).toBe(200); // now remembered by h
    expect((await other.request('DELETE', '/v1/sessions/current', officer.token)).status).toBe(200);
    const id = await issue(2);
    const res = await approveVia(h, id, officer);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('RET_UNAUTHORIZED');
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.approvals).toEqual([]);
  });

  it('a session ended on another replica cannot request a token through a replica that remembers it', async () => {
    const session = await h.login('admin', 'admin-password');
    const first = await h.request('POST', '/v1/tokens', session, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 950 } } });
    expect(first.status).toBe(201); // now remembered by h
    expect((await other.request('DELETE', '/v1/sessions/current', session)).status).toBe(200);
    const before = (await h.request('GET', '/v1/tokens?limit=100', admin.token)).body.tokens.length as number;
    const refused = await h.request('POST', '/v1/tokens', session, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 951 } } });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('RET_UNAUTHORIZED');
    expect((await h.request('GET', '/v1/tokens?limit=100', admin.token)).body.tokens.length).toBe(before);
  });

  it('a session ended on another replica cannot reject through a replica that remembers it, and a live one can after a refusal', async () => {
    const officer = { ...co2, token: await h.login('co2', 'co2-password') };
    const warm = await issue(20);
    expect((await h.request('POST', `/v1/tokens/${warm}/rejections`, officer.token, { reason: 'no' })).status).toBe(200); // now remembered by h
    expect((await other.request('DELETE', '/v1/sessions/current', officer.token)).status).toBe(200);
    const id = await issue(21);
    const refused = await h.request('POST', `/v1/tokens/${id}/rejections`, officer.token, { reason: 'stale' });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('RET_UNAUTHORIZED');
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.rejections).toEqual([]);
  });

  it('a password change on another replica (every session of the user ends) stops the remembered session too', async () => {
    const officer = { ...co2, token: await h.login('co2', 'co2-password') };
    expect((await h.approve(await issue(3), officer)).status).toBe(200);
    const changed = await other.request('PUT', `/v1/users/${co2.id}/password`, officer.token, { password: 'co2-password-2', currentPassword: 'co2-password' });
    expect(changed.status).toBe(200);
    const id = await issue(4);
    expect((await approveVia(h, id, officer)).status).toBe(401);
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.approvals).toEqual([]);
    co2.token = await h.login('co2', 'co2-password-2');
  });

  it('a key registered anew on another replica is used at once, not refused by the remembered old one', async () => {
    expect((await h.approve(await issue(5), co2)).status).toBe(200); // co2 remembered with its first key
    const key = h.openssl.genrsa(2048);
    const challenge = await other.request('POST', `/v1/users/${co2.id}/quorum-key/challenge`, co2.token);
    const registered = await other.request('PUT', `/v1/users/${co2.id}/quorum-key`, co2.token, {
      publicKeyPem: key.publicPem,
      challengeId: challenge.body.challengeId,
      signature: h.openssl.sign(key.privatePath, Buffer.from(challenge.body.challenge, 'base64')),
    });
    expect(registered.status).toBe(200);
    const withNewKey: Officer = { ...co2, key: { ...key, fingerprint: registered.body.fingerprint } };
    const res = await h.approve(await issue(6), withNewKey);
    expect(res.status).toBe(200);
    expect(res.body.token.approvals[0].fingerprint).toBe(registered.body.fingerprint);
    // And the old key no longer approves anything, remembered or not.
    const stale = await h.approve(await issue(7), co2);
    expect(stale.status).toBe(400);
    expect(stale.body.code).toBe('RET_SIGNATURE_INVALID');
    co2.key = withNewKey.key;
  });

  it('a deleted officer’s remembered session approves nothing', async () => {
    expect((await h.approve(await issue(8), co3)).status).toBe(200);
    // Deleting a CO needs every service's M (3 now): three officers approve the deleteUser token.
    const id = await h.approvedToken(admin, 'USER_MGMT', { command: 'deleteUser', args: { id: co3.id } }, [co1, co2, co3]);
    expect((await other.request('DELETE', `/v1/users/${co3.id}`, admin.token, { quorumToken: id })).status).toBe(200);
    expect((await approveVia(h, await issue(9), co3)).status).toBe(401);
  });
});

describe('a rejection whose session ended after the API read it', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
  });
  afterAll(() => h.close());

  it('is refused by the reject script (RET_UNAUTHORIZED) and writes nothing', async () => {
    const id = (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 960 } } })).body.token.id as string;
    const session = await h.login('co1', 'co1-password');
    // The API has read the session; it ends before the script runs.
    expect((await h.request('DELETE', '/v1/sessions/current', session)).status).toBe(200);
    const before = await h.snapshot();
    const rejection = { userId: co1.id, sessionHash: sha256Hex(session), reason: 'too late', issuer: h.issuer, requesterMayApprove: true };
    await expect(h.store.tokens.reject(id, rejection, { kind: 'user', id: co1.id, name: 'co1' })).rejects.toMatchObject({ code: 'RET_UNAUTHORIZED' });
    expect(await h.snapshot()).toEqual(before);
    // The same rejection with a live session goes in.
    const live = await h.store.tokens.reject(id, { ...rejection, sessionHash: sha256Hex(co1.token) }, { kind: 'user', id: co1.id, name: 'co1' });
    expect(live.rejections.map((r) => r.userId)).toEqual([co1.id]);
  });
});
