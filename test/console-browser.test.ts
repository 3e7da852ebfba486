import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QuorumClient } from '@quorumd/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { Harness, type Officer } from './support/harness';

/**
 * The approver console in a real browser (Debian's Chromium through playwright-core),
 * against the real API on a real port and a real Redis: officers sign in, see their queue
 * live, read a token, sign it with their own key in the page, approve and reject.
 */
describe('approver console in the browser', () => {
  let h: Harness;
  let url: string;
  let browser: Browser;
  let officers: Officer[];
  const contexts: BrowserContext[] = [];
  /** Every request each page sent, to prove what was not sent. */
  const sent = new Map<Page, { method: string; url: string }[]>();
  /** Script errors and CSP violations of every page: none is expected. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const started = await Harness.withOfficers(['officer1', 'officer2', 'officer3'] as const);
    h = started.h;
    officers = [...started.officers];
    // USER_MGMT needs 2 of the 3 key-holding officers (the admin holds a key too).
    await h.setM(started.admin, 'USER_MGMT', 2, []);
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 60_000);

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await h?.close();
  });

  async function signIn(officer: Officer): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const log: { method: string; url: string }[] = [];
    sent.set(page, log);
    page.on('request', (request) => log.push({ method: request.method(), url: request.url() }));
    page.on('response', (response) => {
      if (response.status() >= 400) pageErrors.push(`${officer.name}: ${response.status()} ${response.request().method()} ${response.url()}`);
    });
    page.on('pageerror', (err) => pageErrors.push(`${officer.name}: ${err.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${officer.name}: ${message.text()}`);
    });
    await page.goto(`${url}/console`);
    await page.getByLabel('Name').fill(officer.name);
    await page.getByLabel('Password').fill(`${officer.name}-password`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('heading', { name: 'My queue' })
      .waitFor({ timeout: 10_000 })
      .catch(async (err: unknown) => {
        throw new Error(`${String(err)}\npage says: ${await page.locator('body').innerText()}`);
      });
    return page;
  }

  it('two officers approve a createUser token requested by automation, and the command then runs', async () => {
    const automation = new QuorumClient({ url, token: h.adminToken });
    const [one, two] = await Promise.all([signIn(officers[0]!), signIn(officers[1]!)]);
    const operation = { command: 'createUser', args: { type: 'CU', name: 'alice' } };
    const token = await automation.requestQuorum({ service: 'USER_MGMT', operation });

    // The queue shows it live, with the count in the title.
    const item = one.locator('li', { hasText: token.id });
    await item.waitFor();
    expect(await item.textContent()).toMatch(/Create the crypto user “alice”[\s\S]*admin[\s\S]*USER_MGMT[\s\S]*left[\s\S]*0 of 2/);
    await one.waitForFunction(() => document.title === '(1) quorumd console');

    await item.getByRole('link', { name: token.id }).click();
    await one.getByText('The exact bytes you sign').waitFor();
    expect(await one.locator('pre.token-bytes').textContent()).toBe((await h.tokenBytes(token.id, officers[0]!.token)).toString('utf8'));
    await one.getByLabel('Private key').setInputFiles(officers[0]!.key!.privatePath);
    await one.getByText('Key loaded').waitFor();
    await one.getByRole('button', { name: 'Approve' }).click();
    await one.getByText('Approved: 1 of 2').waitFor();

    // The other officer's queue says who approved, live.
    await two.locator('li', { hasText: token.id }).getByText('1 of 2 — approved by officer1').waitFor();
    await two.locator('li', { hasText: token.id }).getByRole('link', { name: token.id }).click();
    await two.getByLabel('Private key').setInputFiles(officers[1]!.key!.privatePath);
    await two.getByText('Key loaded').waitFor();
    await two.getByRole('button', { name: 'Approve' }).click();
    await two.getByText('Status: APPROVED').waitFor();
    await one.getByText('Status: APPROVED').waitFor();

    const approved = await automation.waitForApproval(token.id, { timeoutMs: 5_000 });
    expect(approved.status).toBe('APPROVED');
    const user = await automation.runProtected.createUser({ type: 'CU', name: 'alice', password: 'alice-password' }, token.id);
    expect(user.name).toBe('alice');
    await one.waitForFunction(() => document.title === '(0) quorumd console');
  }, 60_000);
});
