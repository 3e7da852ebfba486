import { Harness, type Officer } from '../support/harness';

/**
 * A remembered session that ended elsewhere is refused after one retry, even while the M
 * values change under the request.
 */

describe('a remembered session ended elsewhere, asking while an M changed, is refused after one retry', () => {
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
