import { Harness, type Officer } from './support/harness';

/** Every route answers malformed input with a 4xx and a RET_ code, and changes nothing. */
describe('malformed input on every route', () => {
  let h: Harness;
  let admin: Officer;
  let tokenId: string;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    h = await Harness.start();
    admin = await h.adminOfficer();
    tokenId = (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 3 } } })).body.token.id;
  });
  afterAll(() => h.close());

  const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
  // [method, url, body, headers?, authenticated?]
  const cases: [string, string, unknown, Record<string, string>?, boolean?][] = [
    ['POST', '/v1/sessions', '{"name":', json, false],
    ['POST', '/v1/sessions', { name: 'admin' }, undefined, false],
    ['POST', '/v1/sessions', { name: 'admin', password: 7 }, undefined, false],
    ['POST', '/v1/sessions', { name: 'a'.repeat(5000), password: 'x' }, undefined, false],
    ['POST', '/v1/sessions', 'name=admin&password=x', { 'content-type': 'application/x-www-form-urlencoded' }, false],
    ['POST', '/v1/sessions', { name: 'admin', password: 'admin-password', extra: 1 }, undefined, false],
    ['GET', '/v1/users', undefined, { authorization: 'Bearer' }, false],
    ['GET', '/v1/users', undefined, { authorization: 'Basic YWRtaW46eA==' }, false],
    ['GET', '/v1/users', undefined, { authorization: 'Bearer qs_notarealsession' }, false],
    ['GET', '/v1/users', undefined, { authorization: 'Bearer qk_000000000000_' + 'a'.repeat(32) }, false],
    ['POST', '/v1/users', { type: 'XX', name: 'bob', password: 'bob-password' }],
    ['POST', '/v1/users', { type: 'CU', name: 'bad name!', password: 'bob-password' }],
    ['POST', '/v1/users', { type: 'CU', name: 'bob', password: 'short' }],
    ['POST', '/v1/users', { type: 'CU', name: 'bob', password: 'bob-password', quorumToken: 'nope' }],
    ['POST', '/v1/users', deep(200)],
    ['POST', '/v1/users', 'x'.repeat(70 * 1024), json],
    ['DELETE', '/v1/users/abc', {}],
    ['DELETE', '/v1/users/0', {}],
    ['DELETE', '/v1/users/99999999999', {}],
    ['PUT', '/v1/users/1/password', { password: ['x'] }],
    ['PUT', '/v1/users/1/password', null, json],
    ['POST', '/v1/users/abc/quorum-key/challenge', undefined],
    ['PUT', '/v1/users/1/quorum-key', { publicKeyPem: 'nope', challengeId: 'x', signature: 'QUJD' }],
    ['PUT', '/v1/users/1/quorum-key', { publicKeyPem: 'nope', challengeId: '00000000-0000-4000-8000-000000000000', signature: 'QUJD' }],
    ['PUT', '/v1/users/1/quorum-key', { publicKeyPem: '-----BEGIN PUBLIC KEY-----\n\u00e9\n-----END PUBLIC KEY-----', challengeId: '00000000-0000-4000-8000-000000000000', signature: 'QUJD' }],
    ['GET', '/v1/quorum/values/%00', undefined],
    ['GET', '/v1/quorum/values/' + 'x'.repeat(100), undefined],
    ['PUT', '/v1/quorum/values/USER_MGMT', { m: '2' }],
    ['PUT', '/v1/quorum/values/USER_MGMT', { m: 2.5 }],
    ['PUT', '/v1/quorum/values/USER_MGMT', { m: 2, force: 'yes' }],
    ['POST', '/v1/tokens', { service: 'USER_MGMT' }],
    ['POST', '/v1/tokens', { service: 'NOPE', operation: { command: 'x' } }],
    ['POST', '/v1/tokens', { service: 7, operation: { command: 'x' } }],
    ['POST', '/v1/tokens', { service: 'USER_MGMT', operation: { command: 'x', args: 'y' } }],
    ['POST', '/v1/tokens', { service: 'USER_MGMT', operation: { command: 'x', args: { a: 'x'.repeat(5000) } } }],
    ['POST', '/v1/tokens', { service: 'USER_MGMT', operation: { command: 'x' }, ttlSeconds: 0 }],
    ['POST', '/v1/tokens', { service: 'USER_MGMT', operation: { command: 'x' }, callbackUrl: 'ftp://x' }],
    ['POST', '/v1/tokens', { service: 'USER_MGMT', operation: { command: 'createUser', args: { type: 'CU', name: 'a', password: 'p' } } }],
    ['GET', '/v1/tokens?status=NOPE', undefined],
    ['GET', '/v1/tokens?limit=-1', undefined],
    ['GET', '/v1/tokens/not-a-uuid', undefined],
    ['GET', '/v1/tokens/00000000-0000-4000-8000-000000000000', undefined],
    ['GET', '/v1/tokens/:token?wait=abc', undefined],
    ['GET', '/v1/tokens/:token?wait=600', undefined],
    ['GET', '/v1/tokens/00000000-0000-4000-8000-000000000000/bytes', undefined],
    ['GET', '/v1/tokens/00000000-0000-4000-8000-000000000000/bundle', undefined],
    ['POST', '/v1/tokens/:token/approvals', {}],
    ['POST', '/v1/tokens/:token/approvals', { signature: 'QUJD', alg: 'HS256' }],
    ['POST', '/v1/tokens/:token/approvals', { signature: 'Q'.repeat(1500) }],
    ['POST', '/v1/tokens/:token/approvals', { signature: '\u{1F600}\u{1F600}\u{1F600}\u{1F600}' }],
    ['POST', '/v1/tokens/:token/rejections', { reason: 42 }],
    ['POST', '/v1/tokens/:token/rejections', { reason: 'x'.repeat(501) }],
    ['DELETE', '/v1/tokens/00000000-0000-4000-8000-000000000000', undefined],
    ['POST', '/v1/tokens/:token/consume', {}],
    ['POST', '/v1/tokens/:token/consume', { operation: { command: 'deleteUser', args: { id: 3 } } }],
    ['POST', '/v1/api-keys', { name: 'bad name' }],
    ['POST', '/v1/api-keys', { name: 'ok', scopes: ['tokens:approve'] }],
    ['DELETE', '/v1/api-keys/zzz', undefined],
    ['DELETE', '/v1/api-keys/000000000000', undefined],
    ['GET', '/v1/audit?from=0', undefined],
    ['GET', '/v1/audit?format=xml', undefined],
    ['GET', '/v1/nope', undefined],
    ['PATCH', '/v1/users', {}],
  ];

  // One object per case: jest would take a missing trailing array element for a done callback.
  const rows = cases.map(([method, url, body, headers, authenticated]) => ({ method, url, body, headers: headers ?? {}, authenticated: authenticated ?? true }));

  it.each(rows)('$method $url', async ({ method, url, body, headers, authenticated }) => {
    const before = await h.snapshot();
    const res = await h.request(method, url.replace(':token', tokenId), authenticated ? admin.token : undefined, body, headers);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body).toMatchObject({ code: expect.stringMatching(/^RET_[A-Z_]+$/), message: expect.any(String), requestId: expect.any(String) });
    const after = await h.snapshot();
    // A refused login counts a failure (and audits it): that is the only change allowed.
    if (url === '/v1/sessions') return;
    expect(after).toEqual(before);
  });
});
