import { signWithForge } from '@quorumd/core';
import { Harness, type Officer, type Reply } from './support/harness';

/**
 * Every refusal (docs/errors.md) that the workflow makes: the right code, and nothing changed
 * in Redis (a snapshot of every key of the deployment before and after).
 */
describe('refusals change nothing', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;
  let nokey: Officer;
  let everyone: Officer[];

  beforeAll(async () => {
    h = await Harness.start();
    admin = await h.adminOfficer();
    co1 = await h.addOfficer('co1');
    co2 = await h.addOfficer('co2');
    co3 = await h.addOfficer('co3');
    nokey = await h.addOfficer('nokey', { key: false });
    everyone = [co1, co2, co3, admin];
  });
  afterAll(() => h.close());

  async function issue(operation: object, service = 'USER_MGMT', ttlSeconds?: number, as = admin): Promise<string> {
    const res = await h.request('POST', '/v1/tokens', as.token, { service, operation, ...(ttlSeconds ? { ttlSeconds } : {}) });
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  }

  /** Runs `call`, expects `status` and `code`, and that no key of the deployment changed. */
  async function refusedWithoutChange(call: () => Promise<Reply>, status: number, code: string): Promise<Reply> {
    const before = await h.snapshot();
    const res = await call();
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(await h.snapshot()).toEqual(before);
    return res;
  }

  describe('approvals', () => {
    let token: string;
    beforeAll(async () => {
      await h.setM(admin, 'USER_MGMT', 3, everyone);
      token = await issue({ command: 'deleteUser', args: { id: 42 } });
    });

    it('a signature replayed from another token', async () => {
      const other = await issue({ command: 'deleteUser', args: { id: 43 } });
      const signature = h.openssl.sign(co1.key!.privatePath, await h.tokenBytes(other, co1.token));
      await refusedWithoutChange(() => h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature }), 400, 'RET_SIGNATURE_INVALID');
    });

    it('a signature made with a key that is not the CO’s registered one', async () => {
      const stray = h.openssl.genrsa(2048);
      const signature = h.openssl.sign(stray.privatePath, await h.tokenBytes(token, co1.token));
      await refusedWithoutChange(() => h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature }), 400, 'RET_SIGNATURE_INVALID');
    });

    it('another CO’s signature sent from one’s own session', async () => {
      const signature = h.openssl.sign(co2.key!.privatePath, await h.tokenBytes(token, co1.token));
      await refusedWithoutChange(() => h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature }), 400, 'RET_SIGNATURE_INVALID');
    });

    it.each([['garbage'], ['!!!!'], ['QUJD\nRA=='], ['AAAA']])('garbage signature %j', async (signature) => {
      await refusedWithoutChange(() => h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature }), 400, 'RET_SIGNATURE_INVALID');
    });

    it('a truncated signature and an unknown alg', async () => {
      const bytes = await h.tokenBytes(token, co1.token);
      const signature = h.openssl.sign(co1.key!.privatePath, bytes);
      const truncated = Buffer.from(signature, 'base64').subarray(0, 128).toString('base64');
      await refusedWithoutChange(() => h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature: truncated }), 400, 'RET_SIGNATURE_INVALID');
      await refusedWithoutChange(() => h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature, alg: 'RS512' }), 400, 'RET_BAD_REQUEST');
      await refusedWithoutChange(() => h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature, alg: 'PS256' }), 400, 'RET_SIGNATURE_INVALID');
    });

    it('a CO approving twice: the same signature is idempotent, a different one is refused', async () => {
      const bytes = await h.tokenBytes(token, co1.token);
      const rs256 = h.openssl.sign(co1.key!.privatePath, bytes);
      expect((await h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature: rs256 })).status).toBe(200);
      const before = await h.snapshot();
      const again = await h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature: rs256 });
      expect(again.status).toBe(200);
      expect(again.body.token.approvals).toHaveLength(1);
      expect(await h.snapshot()).toEqual(before);
      const ps256 = signWithForge(co1.key!.privatePem, 'PS256', bytes);
      await refusedWithoutChange(
        () => h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature: ps256, alg: 'PS256' }),
        409,
        'RET_ALREADY_APPROVED',
      );
    });

    it('a CO without a registered key', async () => {
      await refusedWithoutChange(() => h.request('POST', `/v1/tokens/${token}/approvals`, nokey.token, { signature: 'QUJD' }), 403, 'RET_QUORUM_KEY_NOT_REGISTERED');
    });

    it('a token that does not exist', async () => {
      await refusedWithoutChange(
        () => h.request('POST', '/v1/tokens/00000000-0000-4000-8000-000000000000/approvals', co1.token, { signature: 'QUJD' }),
        404,
        'RET_TOKEN_NOT_FOUND',
      );
    });
  });

  describe('tokens that left PENDING', () => {
    beforeAll(async () => {
      await h.setM(admin, 'USER_MGMT', 1, everyone);
    });

    it('an expired token', async () => {
      const token = await issue({ command: 'deleteUser', args: { id: 50 } }, 'USER_MGMT', 1);
      const bytes = await h.tokenBytes(token, co1.token);
      await new Promise((r) => setTimeout(r, 1100));
      const read = await h.request('GET', `/v1/tokens/${token}`, admin.token);
      expect(read.body.token.status).toBe('EXPIRED');
      const signature = h.openssl.sign(co1.key!.privatePath, bytes);
      await refusedWithoutChange(() => h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature }), 409, 'RET_TOKEN_EXPIRED');
    });

    it('a consumed token', async () => {
      const token = await issue({ command: 'changePswd', args: { id: co3.id } });
      expect((await h.approve(token, co1)).body.token.status).toBe('APPROVED');
      const used = await h.request('PUT', `/v1/users/${co3.id}/password`, admin.token, { password: 'co3-password', quorumToken: token });
      expect(used.status).toBe(200);
      // A password reset ends every session of the user; one through a quorum token is a
      // one-time password, which co3 replaces with its own at its next login.
      const once = await h.login('co3', 'co3-password');
      expect((await h.request('PUT', `/v1/users/${co3.id}/password`, once, { password: 'co3-own-password', currentPassword: 'co3-password' })).status).toBe(200);
      co3.token = await h.login('co3', 'co3-own-password');
      const signature = h.openssl.sign(co2.key!.privatePath, await h.tokenBytes(token, co2.token));
      await refusedWithoutChange(() => h.request('POST', `/v1/tokens/${token}/approvals`, co2.token, { signature }), 409, 'RET_TOKEN_NOT_PENDING');
    });

    it('a deleted token', async () => {
      const token = await issue({ command: 'deleteUser', args: { id: 51 } });
      const bytes = await h.tokenBytes(token, co1.token);
      expect((await h.request('DELETE', `/v1/tokens/${token}`, admin.token)).status).toBe(200);
      expect((await h.request('GET', `/v1/tokens/${token}`, admin.token)).body.token.status).toBe('DELETED');
      const signature = h.openssl.sign(co1.key!.privatePath, bytes);
      await refusedWithoutChange(() => h.request('POST', `/v1/tokens/${token}/approvals`, co1.token, { signature }), 409, 'RET_TOKEN_NOT_PENDING');
      await refusedWithoutChange(() => h.request('DELETE', `/v1/tokens/${token}`, admin.token), 409, 'RET_TOKEN_NOT_PENDING');
    });
  });

  describe('quorum keys', () => {
    async function register(publicKeyPem: string, privatePath?: string) {
      const challenge = await h.request('POST', `/v1/users/${co3.id}/quorum-key/challenge`, co3.token);
      const signature = privatePath ? h.openssl.sign(privatePath, Buffer.from(challenge.body.challenge, 'base64')) : 'QUJD';
      return { challenge, call: () => h.request('PUT', `/v1/users/${co3.id}/quorum-key`, co3.token, { publicKeyPem, challengeId: challenge.body.challengeId, signature }) };
    }

    it('a 1024-bit key', async () => {
      const key = h.openssl.genrsa(1024);
      const { call } = await register(key.publicPem, key.privatePath);
      const res = await refusedWithoutChange(call, 400, 'RET_QUORUM_KEY_INVALID');
      expect(res.body).toMatchObject({ message: expect.stringMatching(/1024-bit/) });
    });

    it('an EC key', async () => {
      const key = h.openssl.genec();
      const { call } = await register(key.publicPem, key.privatePath);
      await refusedWithoutChange(call, 400, 'RET_QUORUM_KEY_INVALID');
    });

    it('a key whose holder cannot sign the challenge', async () => {
      const key = h.openssl.genrsa(2048);
      const stray = h.openssl.genrsa(2048);
      const { call } = await register(key.publicPem, stray.privatePath);
      await refusedWithoutChange(call, 400, 'RET_SIGNATURE_INVALID');
    });

    it('a challenge used twice', async () => {
      const key = h.openssl.genrsa(2048);
      const { call } = await register(key.publicPem, key.privatePath);
      expect((await call()).status).toBe(200);
      await refusedWithoutChange(call, 400, 'RET_CHALLENGE_INVALID');
    });

    it('another CO’s key', async () => {
      await refusedWithoutChange(() => h.request('POST', `/v1/users/${co1.id}/quorum-key/challenge`, co3.token), 403, 'RET_FORBIDDEN');
    });
  });

  describe('M values', () => {
    it.each([0, 9, -1])('M = %d', async (m) => {
      await refusedWithoutChange(() => h.request('PUT', '/v1/quorum/values/USER_MGMT', admin.token, { m }), 400, 'RET_M_VALUE_OUT_OF_RANGE');
    });

    it('M above the COs holding keys', async () => {
      const holders = (await h.request('GET', '/v1/users', admin.token)).body.users.filter((u: { mofnPubKey: boolean }) => u.mofnPubKey).length;
      await refusedWithoutChange(
        () => h.request('PUT', '/v1/quorum/values/QUORUM_MGMT', admin.token, { m: holders + 1 }),
        409,
        'RET_M_EXCEEDS_APPROVERS',
      );
    });

    it('an unknown service', async () => {
      await refusedWithoutChange(() => h.request('PUT', '/v1/quorum/values/NOPE', admin.token, { m: 2 }), 400, 'RET_SERVICE_UNKNOWN');
      await refusedWithoutChange(() => h.request('GET', '/v1/quorum/values/9', admin.token), 400, 'RET_SERVICE_UNKNOWN');
    });
  });

  describe('protected commands with the wrong token', () => {
    beforeAll(async () => {
      await h.setM(admin, 'USER_MGMT', 2, everyone);
    });

    function approved(operation: object, service = 'USER_MGMT', as = admin): Promise<string> {
      return h.approvedToken(as, service, operation, [co1, co2]);
    }

    it('a token for another operation', async () => {
      const token = await approved({ command: 'createUser', args: { type: 'CU', name: 'bob' } });
      const res = await refusedWithoutChange(
        () => h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'mallory', password: 'mallory-pw', quorumToken: token }),
        403,
        'RET_MXN_AUTH_FAILED',
      );
      expect(res.body).toMatchObject({ message: expect.stringMatching(/another operation/) });
      await refusedWithoutChange(
        () => h.request('POST', '/v1/users', admin.token, { type: 'CO', name: 'bob', password: 'bob-password', quorumToken: token }),
        403,
        'RET_MXN_AUTH_FAILED',
      );
    });

    it('a token for another service', async () => {
      const token = await approved({ command: 'createUser', args: { type: 'CU', name: 'carol' } }, 'QUORUM_MGMT');
      const res = await refusedWithoutChange(
        () => h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'carol', password: 'carol-pw1', quorumToken: token }),
        403,
        'RET_MXN_AUTH_FAILED',
      );
      expect(res.body.message).toMatch(/service QUORUM_MGMT/);
    });

    it('a token that belongs to another requester', async () => {
      const token = await approved({ command: 'deleteUser', args: { id: co3.id } }, 'USER_MGMT', co1);
      await refusedWithoutChange(() => h.request('DELETE', `/v1/users/${co3.id}`, admin.token, { quorumToken: token }), 403, 'RET_MXN_AUTH_FAILED');
    });

    it('a token issued by another quorumd', async () => {
      const token = await approved({ command: 'deleteUser', args: { id: co3.id } });
      const elsewhere = await Harness.start({ prefix: h.prefix, issuer: 'quorumd-other' });
      try {
        const adminThere = await elsewhere.login('admin', 'admin-password');
        const res = await elsewhere.request('DELETE', `/v1/users/${co3.id}`, adminThere, { quorumToken: token });
        expect(res.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: expect.stringMatching(/another quorumd/) });
        expect((await h.request('GET', `/v1/tokens/${token}`, admin.token)).body.token.status).toBe('APPROVED');
      } finally {
        await elsewhere.close({ keepKeys: true });
      }
    });
  });

  describe('last: forcing M above the key holders', () => {
    it('is allowed with force (inside the approved operation, with every service’s M), and then no quorum can undo it', async () => {
      const holders = (await h.request('GET', '/v1/users', admin.token)).body.users.filter((u: { mofnPubKey: boolean }) => u.mofnPubKey).length;
      await h.setM(admin, 'QUORUM_MGMT', holders + 1, everyone, true);
      expect((await h.request('GET', '/v1/quorum/values/QUORUM_MGMT', admin.token)).body.m).toBe(holders + 1);
      const back = await h.request('PUT', '/v1/quorum/values/QUORUM_MGMT', admin.token, { m: 1 });
      expect(back.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: `Quorum approval is required for this operation: 0 of ${holders + 1} approvals` });
    });
  });
});
