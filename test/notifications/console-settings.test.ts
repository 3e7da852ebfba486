import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { signInToConsole } from '../support/console-page';
import { Harness, type Officer } from '../support/harness';
import { Receiver } from '../support/receiver';

/** The console's "My settings" page sets the officer's channels and shows its latest deliveries and failures (Debian's Chromium, real API, worker and Redis). */
describe('approver console: My settings', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let url: string;
  let browser: Browser;
  let chat: Receiver;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    chat = await Receiver.start();
    h = await Harness.start({ env: { QUORUM_DELIVERY_ATTEMPTS: '2', QUORUM_DELIVERY_BACKOFF_MS: '50', QUORUM_DELIVERY_TIMEOUT_MS: '2000' }, worker: true });
    admin = await h.adminOfficer();
    co1 = await h.addOfficer('cs_co1');
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 60_000);
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await chat.close();
  });

  it('sets e-mail, chat and the events, then lists what was sent and what failed', async () => {
    const page = await signInToConsole(browser, url, co1, pageErrors);
    await page.getByRole('link', { name: 'My settings' }).click();
    await page.getByRole('heading', { name: 'My settings' }).waitFor();
    await page.getByText('Nothing delivered yet.').waitFor();
    await page.getByLabel('E-mail').fill('cs_co1@example.test');
    await page.getByLabel('Chat incoming webhook').fill(chat.url);
    await page.getByLabel('My request expired').uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    const saved = (await h.request('GET', `/v1/users/${co1.id}/notifications`, co1.token)).body.notifications;
    expect(saved).toEqual({ email: 'cs_co1@example.test', chat: { url: chat.url, format: 'slack' }, events: ['approval.requested', 'approval.reminder', 'approval.escalated', 'token.approved', 'token.rejected'] });

    const sent = await h.issue(admin.token, { command: 'deleteUser', args: { id: 42 } });
    await chat.until((r) => r.some((x) => x.body.includes(sent)));
    chat.respond = () => 500;
    const failed = await h.issue(admin.token, { command: 'deleteUser', args: { id: 43 } });
    await chat.until((r) => r.filter((x) => x.body.includes(failed)).length >= 2);
    await page.reload();
    await page.getByRole('heading', { name: 'Latest deliveries' }).waitFor();
    const rows = page.locator('#deliveries tbody tr');
    await rows.first().waitFor();
    const text = (await rows.allTextContents()).join('\n');
    expect(text).toContain('sent');
    expect(text).toMatch(/failed \(attempt 2, given up\)/);
    // Each row links to the token's page.
    expect(await page.locator(`#deliveries a[href="#/tokens/${sent}"]`).count()).toBeGreaterThan(0);
  });
});
