import { Harness, type Officer } from '../support/harness';

/**
 * Making a new officer, or resetting another officer's password, hands out approving power
 * for every service: it needs every service's M, so no one brings its own quorum.
 */

describe("a new officer, or another officer's password, needs every service's quorum", () => {
  // The README's own advice: "Keep QUORUM_MGMT at least as high as USER_MGMT". With
  // USER_MGMT = 1 and QUORUM_MGMT = 3, every account and every password is in the hands
  // of any single officer, and accounts are what the QUORUM_MGMT quorum counts.
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    await h.setM(admin, 'QUORUM_MGMT', 3, [admin]);
  });
  afterAll(() => h.close());

  it('one officer creates two CO accounts, keys them, and lowers QUORUM_MGMT = 3 alone', async () => {
    // co1, alone: two new crypto officers (USER_MGMT is 1: no token asked).
    const puppets: Officer[] = [];
    for (const name of ['puppet1', 'puppet2']) {
      const made = await h.request('POST', '/v1/users', co1.token, { type: 'CO', name, password: `${name}-password` });
      if (made.status !== 201) {
        puppets.length = 0;
        break;
      }
      const puppet: Officer = { id: made.body.user.id, name, token: await h.login(name, `${name}-password`) };
      puppets.push(await h.registerKey(puppet)); // keys co1 made, co1 holds
    }
    let lowered = false;
    if (puppets.length === 2) {
      const operation = { command: 'setMValue', args: { service: 'QUORUM_MGMT', m: 1 } };
      const id = (await h.requestToken(co1.token, 'QUORUM_MGMT', operation)).body.token.id as string;
      for (const signer of [co1, ...puppets]) await h.approve(id, signer);
      const res = await h.request('PUT', '/v1/quorum/values/QUORUM_MGMT', co1.token, { m: 1, quorumToken: id });
      lowered = res.status === 200;
    }
    // One person's three keys must never count as three officers.
    expect(lowered).toBe(false);
    expect((await h.request('GET', '/v1/quorum/values/QUORUM_MGMT', admin.token)).body.m).toBe(3);
  });

  it('one officer resets two other officers’ passwords, re-keys their accounts, and runs a QUORUM_MGMT operation alone', async () => {
    await h.setM(admin, 'QUORUM_MGMT', 3, [admin, co1, co2]); // back to 3 if the attack above got through
    // co1, alone (USER_MGMT = 1): takes over admin and co2.
    const taken: Officer[] = [];
    for (const victim of [admin, co2]) {
      const reset = await h.request('PUT', `/v1/users/${victim.id}/password`, co1.token, { password: `owned-by-co1-${victim.id}` });
      if (reset.status !== 200) break;
      const session = await h.login(victim.name, `owned-by-co1-${victim.id}`);
      taken.push(await h.registerKey({ id: victim.id, name: victim.name, token: session }));
    }
    let ran = false;
    if (taken.length === 2) {
      const operation = { command: 'setMValue', args: { service: 'QUORUM_MGMT', m: 1 } };
      const id = (await h.requestToken(co1.token, 'QUORUM_MGMT', operation)).body.token.id as string;
      for (const signer of [co1, ...taken]) await h.approve(id, signer);
      ran = (await h.request('PUT', '/v1/quorum/values/QUORUM_MGMT', co1.token, { m: 1, quorumToken: id })).status === 200;
    }
    expect(ran).toBe(false);
  });
});
