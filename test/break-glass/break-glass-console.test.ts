import type { Browser, Page } from 'playwright-core';
import { signInToConsole } from '../support/console-page';
import { launchChromium } from '../support/browser';
import { Harness, type Officer } from '../support/harness';

/**
 * The console marks break-glass in red where officers decide, in a real browser against the
 * real API and Redis: the queue and the token page carry the badge, and the token page says
 * when the time lock ends and that any officer of the rules may veto it until then.
 */
describe('console: break-glass badge', () => {
  let h: Harness;
  let url: string;
  let browser: Browser;
  let sre1: Officer;
  let oncall: Officer;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({ h, officers: [sre1, oncall] } = await Harness.withOfficers(['bc_sre1', 'bc_oncall']));
    expect((await h.request('PUT', '/v1/groups/sre', h.adminToken, { members: [sre1.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/oncall', h.adminToken, { members: [oncall.id] })).status).toBe(200);
    const policy = { rules: [{ group: 'sre', m: 1 }], breakGlass: { group: 'oncall', m: 1, delaySeconds: 600, reviewWithinSeconds: 600 } };
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', h.adminToken, { policy })).status).toBe(201);
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

  it('shows the red badge in the queue and on the token page, with the time lock and the veto', async () => {
    const issued = await h.request('POST', '/v1/tokens', oncall.token, { service: 'DEPLOY_PROD', operation: { command: 'deploy' }, breakGlass: true, reason: 'db down' });
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    const page = await signIn(sre1);
    await page.goto(`${url}/console#/queue`);
    const item = page.locator(`li[data-token-id="${id}"]`);
    await item.waitFor();
    const badge = item.locator('.badge.break-glass');
    expect(await badge.textContent()).toBe('BREAK-GLASS');
    // (Typed here: the tests are compiled without the DOM library.)
    type Styles = { getComputedStyle(node: unknown): { backgroundColor: string } };
    expect(await badge.evaluate((node) => (globalThis as unknown as Styles).getComputedStyle(node).backgroundColor)).toBe('rgb(164, 14, 38)');
    await page.goto(`${url}/console#/tokens/${id}`);
    await page.getByText('The exact bytes you sign').waitFor();
    expect(await page.locator('h1 .badge.break-glass').textContent()).toBe('BREAK-GLASS');
    expect(await page.locator('dt', { hasText: 'Time lock' }).count()).toBe(1);
    expect(await page.locator('dd', { hasText: 'may veto it' }).count()).toBe(1);
    await page.context().close();
  }, 60_000);
});
