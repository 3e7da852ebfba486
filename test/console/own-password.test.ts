import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { signInToConsole } from '../support/console-page';
import { Harness, type Officer } from '../support/harness';

/**
 * An officer sets its own password in the approver console. One whose password someone else
 * chose (created, or reset, through a quorum: a one-time password) is led there at sign-in,
 * gets no other page until it has, and then goes on as after any sign-in, signed in with its
 * own password. In Debian's Chromium through playwright-core, against the real API and Redis.
 */
describe('approver console: an officer sets its own password', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let url: string;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['cpw_co1', 'cpw_co2']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
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

  const login = (name: string, password: string) => h.request('POST', '/v1/sessions', undefined, { name, password });

  async function setPassword(page: Page, current: string, next: string, again = next): Promise<void> {
    await page.getByLabel(/^(One-time|Current) password$/).fill(current);
    await page.getByLabel('New password', { exact: true }).fill(next);
    await page.getByLabel('New password again', { exact: true }).fill(again);
    await page.getByRole('button', { name: 'Set my password' }).click();
  }

  it('a new officer signing in with its one-time password is led to set its own, then goes on to its queue and pages', async () => {
    const quorumToken = await h.approvedToken(admin, 'USER_MGMT', { command: 'createUser', args: { type: 'CO', name: 'cpw_frank' } }, [co1, co2]);
    const created = await h.request('POST', '/v1/users', admin.token, { type: 'CO', name: 'cpw_frank', password: 'chosen-by-admin', quorumToken });
    expect(created.status).toBe(201);

    // Another officer's users page shows the one-time password.
    const other = await signInToConsole(browser, url, co1, pageErrors);
    await other.getByRole('link', { name: 'Users' }).click();
    const oneTime = (who: string) => other.locator(`tr[data-user="${who}"] td`).nth(6).textContent();
    await other.locator('tr[data-user="cpw_frank"]').waitFor();
    expect(await other.locator('thead th').nth(6).textContent()).toBe('One-time password');
    expect([await oneTime('cpw_frank'), await oneTime('cpw_co1')]).toEqual(['YES', 'no']);

    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${url}/console`);
    await page.getByLabel('Name').fill('cpw_frank');
    await page.getByLabel('Password').fill('chosen-by-admin');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Set your own password' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('main').textContent()).toContain('The password you signed in with as cpw_frank was chosen by someone else and works once.');
    // No menu: no other page to go to, and a route typed in shows the same form.
    expect(await page.getByRole('navigation').count()).toBe(0);
    await page.goto(`${url}/console#/key`);
    await page.getByRole('heading', { name: 'Set your own password' }).waitFor();
    expect(await page.getByRole('heading', { name: 'My key' }).count()).toBe(0);

    // Two different new passwords: refused in the page, nothing sent.
    await setPassword(page, 'chosen-by-admin', 'frank-own-password', 'frank-other-password');
    await page.getByRole('alert').filter({ hasText: 'The two new passwords differ' }).waitFor();
    // A wrong one-time password: the server's refusal, still on the form.
    await setPassword(page, 'not-the-password', 'frank-own-password');
    await page.getByRole('alert').filter({ hasText: 'RET_LOGIN_FAILED' }).waitFor();
    await page.getByRole('heading', { name: 'Set your own password' }).waitFor();

    await setPassword(page, 'chosen-by-admin', 'frank-own-password');
    await page.getByRole('heading', { name: 'My queue' }).waitFor({ timeout: 10_000 });
    await page.getByRole('status').filter({ hasText: 'Your password is set, and you are signed in with it.' }).waitFor();
    expect(await page.locator('header .who').textContent()).toBe('cpw_frank (CO)');
    // Signed in with its own password: the pages the one-time session was refused now work.
    await page.getByRole('link', { name: 'Users' }).click();
    await page.locator('tr[data-user="cpw_co1"]').waitFor();
    await page.getByRole('link', { name: 'My key' }).click();
    await page.getByRole('button', { name: 'Generate key pair' }).waitFor();

    expect((await login('cpw_frank', 'chosen-by-admin')).body.code).toBe('RET_LOGIN_FAILED');
    expect((await login('cpw_frank', 'frank-own-password')).body.user).toMatchObject({ name: 'cpw_frank', passwordChangeRequired: false });
    await other.reload();
    await other.locator('tr[data-user="cpw_frank"]').waitFor();
    expect(await oneTime('cpw_frank')).toBe('no');
    await other.context().close();
    await page.context().close();
  });

  it('a signed-in officer changes its password on "My password" and stays signed in, with the new one', async () => {
    const page = await signInToConsole(browser, url, co2, pageErrors);
    await page.getByRole('link', { name: 'My password' }).click();
    await page.getByRole('heading', { name: 'My password' }).waitFor();
    await setPassword(page, `${co2.name}-password`, 'co2-new-password');
    await page.getByRole('heading', { name: 'My queue' }).waitFor({ timeout: 10_000 });
    await page.getByRole('status').filter({ hasText: 'Your password is set, and you are signed in with it.' }).waitFor();
    // The tab's new session works (the users page loads), the old password no longer does.
    await page.getByRole('link', { name: 'Users' }).click();
    await page.locator('tr[data-user="cpw_co2"]').waitFor();
    expect((await login(co2.name, `${co2.name}-password`)).body.code).toBe('RET_LOGIN_FAILED');
    expect((await login(co2.name, 'co2-new-password')).status).toBe(201);
    await page.context().close();
  });
});
