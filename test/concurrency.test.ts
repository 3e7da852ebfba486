import { Harness, type Officer } from './support/harness';

/** Races on one token: consumption happens once, APPROVED is reached once. */
describe('concurrency on one token', () => {
  let h: Harness;
  let admin: Officer;
  let officers: Officer[];

  beforeAll(async () => {
    ({ h, admin, officers } = await Harness.withOfficers(['racer1', 'racer2', 'racer3', 'racer4', 'racer5']));
  });
  afterAll(() => h.close());

  it('50 simultaneous consume calls on one approved token: exactly one succeeds', async () => {
    const operation = { command: 'rotateKey', args: { slot: 1 } };
    const id = await h.approvedToken(admin, 'USER_MGMT', operation, [officers[0]!]);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation })),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body.bundle).toMatchObject({ tokenId: id, status: 'CONSUMED' });
    for (const refused of results.filter((r) => r.status !== 200)) {
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('RET_MXN_AUTH_FAILED');
    }
    const consumed = (await h.store.audit.page(1, 10_000)).filter((e) => e.includes('"type":"token.consumed"') && e.includes(id));
    expect(consumed).toHaveLength(1);
  });

  it('50 simultaneous protected commands on one token: one user is created', async () => {
    await h.setM(admin, 'USER_MGMT', 2, officers);
    const id = await h.approvedToken(admin, 'USER_MGMT', { command: 'createUser', args: { type: 'CU', name: 'raced' } }, officers);
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'raced', password: 'raced-password', quorumToken: id }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const users = (await h.request('GET', '/v1/users', admin.token)).body.users.filter((u: { name: string }) => u.name === 'raced');
    expect(users).toHaveLength(1);
  });

  it.each([3, 5])('%d approvals racing for M = 3: APPROVED exactly once, with 3 approvals', async (racers) => {
    await h.setM(admin, 'USER_MGMT', 3, officers);
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 77 } } });
    const id = issued.body.token.id as string;
    const bytes = await h.tokenBytes(id, admin.token);
    const signed = officers.slice(0, racers).map((o) => ({ o, signature: h.openssl.sign(o.key!.privatePath, bytes) }));
    const results = await Promise.all(signed.map(({ o, signature }) => h.request('POST', `/v1/tokens/${id}/approvals`, o.token, { signature })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    for (const late of results.filter((r) => r.status !== 200)) expect(late.body.code).toBe('RET_TOKEN_NOT_PENDING');
    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token.status).toBe('APPROVED');
    expect(token.approvals).toHaveLength(3);
    const approvedEntries = (await h.store.audit.page(1, 10_000)).filter((e) => e.includes('"type":"token.approved"') && e.includes(id));
    expect(approvedEntries).toHaveLength(1);
  });
});
