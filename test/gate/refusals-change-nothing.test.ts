import { Harness, type Officer } from '../support/harness';

/**
 * API key scopes, and a refused issue or consume leaving Redis exactly as it was.
 */

describe('what an API key may do, and a refused issue or consume changing nothing', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
  });
  afterAll(() => h.close());

  const key = async (scopes: string[]) => (await h.request('POST', '/v1/api-keys', admin.token, { name: scopes.join('-').replace(/:/g, '_'), scopes })).body.key as string;

  it('an API key with tokens:issue and tokens:consume (no tokens:read) issues and consumes', async () => {
    const k = await key(['tokens:issue', 'tokens:consume']);
    const operation = { command: 'deployRelease', args: { version: '2' } };
    const issued = await h.requestToken(k, 'USER_MGMT', operation);
    expect(issued.status).toBe(201);
    expect(issued.body.token.status).toBe('PENDING');
    await h.approve(issued.body.token.id, co1);
    const used = await h.request('POST', `/v1/tokens/${issued.body.token.id}/consume`, k, { operation });
    expect(used.status).toBe(200);
    expect(used.body.bundle.status).toBe('CONSUMED');
  });

  it('a refused issue or consume changes nothing in Redis', async () => {
    const readOnly = await key(['tokens:read']);
    let before = await h.snapshot();
    expect((await h.requestToken(readOnly, 'USER_MGMT', { command: 'deployRelease' })).body.code).toBe('RET_FORBIDDEN');
    expect(await h.snapshot()).toEqual(before);

    const issueOnly = await key(['tokens:issue']);
    const operation = { command: 'deployRelease', args: { version: '3' } };
    const id = (await h.requestToken(issueOnly, 'USER_MGMT', operation)).body.token.id;
    await h.approve(id, co1);
    before = await h.snapshot();
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, issueOnly, { operation })).body.code).toBe('RET_FORBIDDEN');
    expect(await h.snapshot()).toEqual(before);
  });
});
