import { createServer } from 'node:net';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { signInToConsole } from '../support/console-page';
import { Harness, type Officer } from '../support/harness';

/** A port free now (the server listens on it next: its origin is the WebAuthn origin). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Passkeys in Debian's Chromium, with the Chrome DevTools Protocol's virtual authenticator
 * (ctap2, internal transport, user verification): register one on My key, approve a token
 * whose policy requires passkeys end to end (RSA signature, then the passkey, then both), and
 * an authenticator that reports no user verification is refused.
 */
describe('passkeys in the console (Chromium, virtual authenticator)', () => {
  let h: Harness;
  let admin: Officer;
  let alice: Officer;
  let bob: Officer;
  let url: string;
  let browser: Browser;
  const pageErrors: string[] = [];

  async function withAuthenticator(page: Page, isUserVerified: boolean): Promise<{ cdp: CDPSession; authenticatorId: string }> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified, automaticPresenceSimulation: true },
    });
    return { cdp, authenticatorId };
  }

  async function registerInConsole(page: Page, officer: Officer, name: string): Promise<void> {
    await page.getByRole('link', { name: 'My key' }).click();
    await page.getByRole('heading', { name: 'Passkeys' }).waitFor();
    await page.getByLabel('Passkey name').fill(name);
    await page.getByLabel('Your password').fill(`${officer.name}-password`);
    await page.getByRole('button', { name: 'Register a passkey' }).click();
  }

  beforeAll(async () => {
    const port = await freePort();
    ({ h, admin, officers: [alice, bob] } = await Harness.withOfficers(['pkb_alice', 'pkb_bob'], { env: { QUORUM_WEBAUTHN_ORIGIN: `http://localhost:${port}`, QUORUM_WEBAUTHN_RP_ID: 'localhost' } }));
    await h.app.listen({ port, host: '127.0.0.1' });
    url = `http://localhost:${port}`;
    expect((await h.request('PUT', '/v1/groups/ops', admin.token, { members: [alice.id, bob.id] })).status).toBe(200);
    browser = await launchChromium();
  }, 60_000);
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('registers a passkey on My key, then approves a passkey-requiring token with the key file and the passkey', async () => {
    const page = await signInToConsole(browser, url, alice, pageErrors);
    const { cdp, authenticatorId } = await withAuthenticator(page, true);
    await registerInConsole(page, alice, 'virtual-key');
    await page.getByText('Passkey registered: virtual-key.').waitFor();
    await page.locator('ul.passkeys li', { hasText: 'virtual-key' }).waitFor();
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1);

    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: { rules: [{ group: 'ops', m: 1 }], requirePasskey: true } })).status).toBe(201);
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'DEPLOY_PROD', operation: { command: 'deploy', args: { version: '7' } } });
    const id = issued.body.token.id as string;

    await page.goto(`${url}/console#/tokens/${id}`);
    await page.getByText('This service requires a passkey too').waitFor();
    await page.getByLabel('Private key').setInputFiles(alice.key!.privatePath);
    await page.getByText('Key loaded').waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(/Approved: 1 of 1 approvals, status APPROVED/).waitFor();
    // The result took the focus, where the officer clicked.
    expect(await page.locator('.outcome:focus').count()).toBe(1);
    await page.getByText('with a passkey').waitFor();
    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token.approvals).toEqual([expect.objectContaining({ userId: alice.id, passkey: true })]);
    await page.context().close();
  });

  it('keeps one status per panel, says "1 token awaits", opens a token from anywhere on its card, and names actors in the audit table', async () => {
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'createUser', args: { type: 'CU', name: 'polish_cu' } } });
    const id = issued.body.token.id as string;
    const page = await signInToConsole(browser, url, alice, pageErrors);
    await page.getByText('1 token awaits your decision').waitFor();
    // A click on the card's text, not on its id link, opens the token.
    await page.locator(`li.token[data-token-id="${id}"] dl`).click();
    await page.getByText('The exact bytes you sign').waitFor();
    expect(page.url()).toContain(`#/tokens/${id}`);
    // Approve without a key: the problem shows where the officer clicked, with the focus...
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Pick your private key first').waitFor();
    expect(await page.locator('.outcome:focus').count()).toBe(1);
    // ...and goes once a key is loaded: the loaded key is then the one status, in place of an empty file field.
    await page.getByLabel('Private key').setInputFiles(alice.key!.privatePath);
    await page.getByText('Key loaded').waitFor();
    expect(await page.getByText('Pick your private key first').count()).toBe(0);
    expect(await page.getByLabel('Private key').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Use another key file' }).waitFor();
    // One fingerprint format on the page: groups of four hex digits.
    const fingerprints = await page.locator('code.fingerprint').allInnerTexts();
    expect(fingerprints.length).toBeGreaterThan(0);
    for (const fp of fingerprints) expect(fp).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('table.audit').waitFor();
    const actors = await page.locator('table.audit tbody tr td:nth-child(4)').allInnerTexts();
    expect(actors).toContain('admin (user 1)');
    expect(actors.some((a) => a.includes('"user:'))).toBe(false);
    await page.context().close();
  });

  it('refuses an approval when the authenticator reports no user verification, and nothing is written', async () => {
    const page = await signInToConsole(browser, url, bob, pageErrors);
    const { cdp, authenticatorId } = await withAuthenticator(page, true);
    await registerInConsole(page, bob, 'bob-key');
    await page.getByText('Passkey registered: bob-key.').waitFor();
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'DEPLOY_PROD', operation: { command: 'deploy', args: { version: '8' } } });
    const id = issued.body.token.id as string;
    // From now on the authenticator answers without verifying the user.
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await page.goto(`${url}/console#/tokens/${id}`);
    await page.getByLabel('Private key').setInputFiles(bob.key!.privatePath);
    await page.getByText('Key loaded').waitFor();
    const before = await h.snapshot();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('.outcome .notice.error').waitFor({ timeout: 20_000 });
    const shown = await page.locator('.outcome').innerText();
    expect(shown).toContain('could not verify you');
    expect(shown).toContain('Nothing was sent.');
    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token.approvals).toEqual([]);
    expect(await h.snapshot()).toEqual(before);
    await page.context().close();
  });
});
