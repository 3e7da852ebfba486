import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, type Officer } from '../support/harness';

/** Who may do what, tried by the ones who may not. */
describe('chaos: authorization', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
  });
  afterAll(() => h.close());

  it('an anonymous caller gets 401 before its body is looked at: never a 400 that describes the schema', async () => {
    const routes: [string, string, unknown][] = [
      ['POST', '/v1/tokens', { service: 42, operation: 'nonsense' }],
      ['POST', '/v1/users', { type: ['x'] }],
      ['PUT', '/v1/quorum/values/USER_MGMT', { m: 'three' }],
      ['POST', '/v1/api-keys', { name: '!!' }],
      ['PUT', '/v1/officers/me/webhook', { url: 5 }],
      ['DELETE', '/v1/sessions/current', undefined],
      ['GET', '/v1/audit?limit=abc', undefined],
    ];
    for (const [method, url, body] of routes) {
      for (const token of [undefined, 'qs_forged-session-token']) {
        const res = await h.request(method, url, token, body);
        expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 401, code: 'RET_UNAUTHORIZED' });
        expect(res.body.message).not.toMatch(/body|schema|must/i);
      }
    }
  });

  it('a CU or an AU can neither approve nor reject, nor read tokens, nor register a quorum key', async () => {
    const id = (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'x' } })).body.token.id;
    const bytes = await h.tokenBytes(id, admin.token);
    for (const type of ['CU', 'AU']) {
      const name = `${type.toLowerCase()}user`;
      const created = await h.request('POST', '/v1/users', admin.token, { type, name, password: `${name}-password` });
      const token = await h.login(name, `${name}-password`);
      const before = await h.snapshot();
      const signature = h.openssl.sign(co1.key!.privatePath, bytes);
      expect((await h.request('POST', `/v1/tokens/${id}/approvals`, token, { signature })).body.code).toBe('RET_FORBIDDEN');
      expect((await h.request('POST', `/v1/tokens/${id}/rejections`, token, { reason: 'x' })).body.code).toBe('RET_FORBIDDEN');
      expect((await h.request('GET', `/v1/tokens/${id}`, token)).body.code).toBe('RET_FORBIDDEN');
      expect((await h.request('POST', `/v1/users/${created.body.user.id}/quorum-key/challenge`, token)).body.code).toBe('RET_FORBIDDEN');
      expect((await h.request('PUT', '/v1/quorum/values/USER_MGMT', token, { m: 1 })).body.code).toBe('RET_FORBIDDEN');
      expect((await h.request('DELETE', `/v1/tokens/${id}`, token)).body.code).toBe('RET_FORBIDDEN');
      expect(await h.snapshot()).toEqual(before);
    }
  });

  it('a CO cannot register a key for another CO, nor delete itself', async () => {
    const before = await h.snapshot();
    expect((await h.request('POST', `/v1/users/${admin.id}/quorum-key/challenge`, co1.token)).body.code).toBe('RET_FORBIDDEN');
    const challenge = await h.request('POST', `/v1/users/${co1.id}/quorum-key/challenge`, co1.token);
    const res = await h.request('PUT', `/v1/users/${admin.id}/quorum-key`, co1.token, {
      publicKeyPem: co1.key!.publicPem,
      challengeId: challenge.body.challengeId,
      signature: h.openssl.sign(co1.key!.privatePath, Buffer.from(challenge.body.challenge, 'base64')),
    });
    expect(res.body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('DELETE', `/v1/users/${co1.id}`, co1.token, {})).body.code).toBe('RET_FORBIDDEN');
    // The challenge itself is the only new key (it expires by itself).
    const after = await h.snapshot();
    for (const key of Object.keys(after)) if (!key.includes(':challenge:')) expect(after[key]).toEqual(before[key]);
  });

  it('an API key cannot approve, manage users or keys, or read the audit log', async () => {
    const key = (await h.request('POST', '/v1/api-keys', admin.token, { name: 'robot' })).body.key as string;
    const before = await h.snapshot();
    expect((await h.request('POST', '/v1/users', key, { type: 'CU', name: 'robotmade', password: 'robot-password' })).body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('PUT', `/v1/users/${co1.id}/password`, key, { password: 'robot-password' })).body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('POST', '/v1/api-keys', key, { name: 'child' })).body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('GET', '/v1/audit', key)).body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('PUT', '/v1/officers/me/webhook', key, { url: 'http://127.0.0.1:9/x', secret: 'sixteen-characters' })).body.code).toBe('RET_FORBIDDEN');
    expect(await h.snapshot()).toEqual(before);
  });

  it('compares every secret in constant time', () => {
    const source = (file: string) => readFileSync(join(__dirname, '..', '..', file), 'utf8');
    expect(source('services/api/src/application/auth-service.ts')).toMatch(/timingSafeEqual\(stored, presented\)/);
    expect(source('packages/core/src/password-hash.ts')).toMatch(/timingSafeEqual\(key, expected\)/);
    expect(source('packages/core/src/webhook-signature.ts')).toMatch(/timingSafeEqual\(given, expected\)/);
    // Sessions are looked up by the SHA-256 of the token: no comparison of the secret itself.
    expect(source('services/api/src/application/auth-service.ts')).toMatch(/sessionUser\(sessionHash\)/);
  });
});
