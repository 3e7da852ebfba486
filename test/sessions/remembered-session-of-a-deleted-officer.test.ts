import { Harness, type Officer } from '../support/harness';

/**
 * A remembered session (taken as it was a moment ago) of an officer deleted since asks
 * for nothing: the script that writes checks the session.
 */

describe("a deleted officer's remembered session asks for nothing", () => {
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
