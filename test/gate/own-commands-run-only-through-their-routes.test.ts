import { Harness, type Officer } from '../support/harness';

/**
 * quorumd's own protected commands run only through their routes: /consume never marks one
 * consumed without running it.
 */

describe("quorumd's own commands are not consumed through /consume", () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
  });
  afterAll(() => h.close());

  it('a deleteUser token is not marked CONSUMED without deleting anyone', async () => {
    const operation = { command: 'deleteUser', args: { id: co1.id } };
    const id = await h.approvedToken(admin, 'USER_MGMT', operation, [admin, co1]);
    const before = await h.snapshot();
    const res = await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'RET_BAD_REQUEST' });
    expect(await h.snapshot()).toEqual(before);
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.status).toBe('APPROVED');
  });
});
