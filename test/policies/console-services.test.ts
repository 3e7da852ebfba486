import type { Browser, Page } from 'playwright-core';
import { signInToConsole } from '../support/console-page';
import { launchChromium } from '../support/browser';
import { Harness, type Officer } from '../support/harness';

/**
 * The console shows what a custom service's policy asks, in a real browser against the real
 * API and Redis: the Services page (policies, members by name, what a change needs) and a
 * token's page (each rule's approvers, the reason and ticket signed into it).
 */
describe('console: services, groups and a custom service token', () => {
  let h: Harness;
  let url: string;
  let browser: Browser;
  let both: Officer;
  let sre2: Officer;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({ h, officers: [both, sre2] } = await Harness.withOfficers(['cs_both', 'cs_sre2']));
    expect((await h.request('PUT', '/v1/groups/sre', h.adminToken, { members: [both.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/security', h.adminToken, { members: [both.id] })).status).toBe(200);
    const policy = { rules: [{ group: 'sre', m: 1 }, { group: 'security', m: 1 }] };
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', h.adminToken, { policy })).status).toBe(201);
    // A group only a veto group names: its changes need that policy too.
    expect((await h.request('PUT', '/v1/groups/ops', h.adminToken, { members: [sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/audit', h.adminToken, { members: [sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/PAYMENTS', h.adminToken, { policy: { rules: [{ group: 'ops', m: 1 }], vetoGroups: ['audit'] } })).status).toBe(201);
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 60_000);
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });
  const signIn = (who: Officer): Promise<Page> => signInToConsole(browser, url, who, pageErrors);

  it('lists each policy and group with what a change needs', async () => {
    const page = await signIn(both);
    await page.goto(`${url}/console#/services`);
    const row = page.locator('tr[data-service="DEPLOY_PROD"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('sre:1 AND security:1');
    expect(await row.textContent()).toContain('QUORUM_MGMT (officers:1) and sre:1 AND security:1');
    const sre = page.locator('tr[data-group="sre"]');
    await sre.getByText('cs_sre2').waitFor();
    expect(await sre.textContent()).toContain('QUORUM_MGMT and DEPLOY_PROD');
    expect(await page.locator('tr[data-group="audit"]').textContent()).toContain('QUORUM_MGMT and PAYMENTS');
    await page.context().close();
  }, 60_000);

  it("shows a token's rules with their approvers, and its reason and ticket", async () => {
    const issued = await h.request('POST', '/v1/tokens', h.adminToken, { service: 'DEPLOY_PROD', operation: { command: 'deploy' }, reason: 'release 5', ticket: 'CHG-5' });
    expect((await h.approve(issued.body.token.id, both)).status).toBe(200);
    const page = await signIn(sre2);
    await page.goto(`${url}/console#/tokens/${issued.body.token.id}`);
    await page.getByText('The exact bytes you sign').waitFor();
    const rules = page.locator('ul.rules');
    await rules.waitFor();
    const text = (await rules.textContent()) ?? '';
    // cs_both fills one rule, not two.
    expect(text.match(/cs_both/g)).toHaveLength(1);
    expect(text).toMatch(/of 1/);
    // (In the details, and in the bytes.)
    await page.locator('dd bdi', { hasText: 'release 5' }).waitFor();
    await page.locator('dd bdi', { hasText: 'CHG-5' }).waitFor();
    await page.context().close();
  }, 60_000);
});
