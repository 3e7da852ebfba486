import { verifyBundle } from '@quorumd/client';
import { Harness, type Officer } from '../support/harness';

/**
 * One key, one officer, one vote: a key registered to another user is refused, and a key
 * given up and registered again does not revive its old votes.
 */

describe('a key registered to another officer, or given up and registered again', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let sock: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    sock = await h.addOfficer('sock', { key: false });
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
  });
  afterAll(() => h.close());

  it('is refused with 409 RET_KEY_IN_USE, so co1’s signature cannot count twice', async () => {
    const key = co1.key!;
    const before = await h.snapshot();
    await expect(h.registerKey(sock, { privatePem: key.privatePem, publicPem: key.publicPem, privatePath: key.privatePath })).rejects.toThrow(/RET_KEY_IN_USE/);
    const after = await h.snapshot();
    // Only the (unused, now expired by its own TTL) challenge was written.
    expect(Object.keys(after).filter((k) => !k.includes(':challenge:'))).toEqual(Object.keys(before));

    const id = (await h.requestToken(co1.token, 'USER_MGMT', { command: 'createUser', args: { type: 'CO', name: 'rogue' } })).body.token.id;
    const signed = await h.approve(id, co1);
    expect(signed.body.token).toMatchObject({ status: 'PENDING', required: 2 });
    const replay = await h.request('POST', `/v1/tokens/${id}/approvals`, sock.token, { signature: h.openssl.sign(key.privatePath, await h.tokenBytes(id, co1.token)) });
    expect(replay.body.code).toBe('RET_QUORUM_KEY_NOT_REGISTERED');
    const bundle = (await h.request('GET', `/v1/tokens/${id}/bundle`, admin.token)).body.bundle;
    expect(verifyBundle(bundle)).toEqual({ ok: false, reason: '1 of 2 approvals' });
  });

  it('a key given up and registered again does not revive the votes it made before', async () => {
    const id = (await h.requestToken(admin.token, 'USER_MGMT', { command: 'createUser', args: { type: 'CU', name: 'revived' } })).body.token.id;
    await h.approve(id, co2);
    const first = { ...co2.key! };
    await h.registerKey(co2); // a new key: the vote stops counting
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.approvals).toEqual([]);
    await h.registerKey(co2, first); // the old key again
    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token.approvals).toEqual([]);
    expect((await h.approve(id, co2)).body.code).toBe('RET_ALREADY_APPROVED');
    // Its old key's signature sent from another account counts once, for that account.
    await h.registerKey(co2); // co2 gives the key up again
    await h.registerKey(sock, first);
    const replay = await h.request('POST', `/v1/tokens/${id}/approvals`, sock.token, { signature: h.openssl.sign(first.privatePath, await h.tokenBytes(id, sock.token)) });
    expect(replay.body.token.approvals.map((a: { userId: number }) => a.userId)).toEqual([sock.id]);
    expect(replay.body.token.status).toBe('PENDING');
  });
});
