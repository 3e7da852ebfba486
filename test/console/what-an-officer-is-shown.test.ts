import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signInToConsole } from '../support/console-page';
import { launchChromium } from '../support/browser';
import { Harness, type Officer } from '../support/harness';

/**
 * The approver console attacked as an insider would (a requester's token meant to mislead the
 * officer who reads it), in a real browser (Debian's Chromium through playwright-core)
 * against the real API and Redis.
 */
describe('approver console: what an officer is shown before signing', () => {
  let h: Harness;
  let url: string;
  let browser: Browser;
  let officer: Officer;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const started = await Harness.withOfficers(['officer1'] as const);
    h = started.h;
    officer = started.officers[0];
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

  it('an AWS CloudHSM token whose approval data spells text is shown as hex, not as the text its requester wrote', async () => {
    // 80 bytes of plain text as "approval data": valid UTF-8, and not JSON.
    const approvalData = Buffer.from('Reviewed and cleared by the security team: approve, no further checks needed.'.padEnd(80, ' '));
    const tokenFile = { version: '2.0', approval_data: approvalData.toString('base64'), token: createHash('sha256').update(approvalData).digest('base64'), signatures: [] };
    const operation = { command: 'cloudhsm', args: { service: 'user', description: 'user create --username app7 --role crypto-user' } };
    const issued = await h.request('POST', '/v1/tokens', h.adminToken, { service: 'USER_MGMT', operation, cloudhsm: { tokenFile } });
    expect(issued.status).toBe(201);
    const page = await signIn(officer);
    await page.goto(`${url}/console#/tokens/${issued.body.token.id}`);
    await page.getByText('The exact bytes you sign').waitFor();
    const shown = (await page.locator('pre.token-bytes').textContent())!;
    expect({ hex: shown.replace(/\n/g, ''), text: shown.includes('security team') }).toEqual({ hex: approvalData.toString('hex'), text: false });
    await page.context().close();
  }, 60_000);

  it('the passphrase of an encrypted key stays in no field of the page once the key is read', async () => {
    const issued = await h.request('POST', '/v1/tokens', h.adminToken, { service: 'USER_MGMT', operation: { command: 'createUser', args: { type: 'CU', name: 'carol' } } });
    const page = await signIn(officer);
    await page.goto(`${url}/console#/tokens/${issued.body.token.id}`);
    await page.getByText('The exact bytes you sign').waitFor();
    const encrypted = join(h.openssl.dir, 'officer1-encrypted.pem');
    execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', officer.key!.privatePath, '-passout', 'pass:long passphrase', '-out', encrypted], { stdio: 'pipe' });
    await page.getByLabel('Private key').setInputFiles(encrypted);
    await page.getByText('This key is encrypted: type its passphrase').waitFor();
    await page.getByLabel('Passphrase').fill('long passphrase');
    await page.getByLabel('Passphrase').press('Enter');
    await page.getByText('Key loaded').waitFor();
    expect(await page.getByLabel('Passphrase').inputValue()).toBe('');
    await page.context().close();
  }, 60_000);
  it('a queue stream refused for the moment (429: all of the user’s streams are taken) is tried again, and the queue comes alive once one is free', async () => {
    // Eight streams of officer1's, from elsewhere: the console's own is refused at first.
    const elsewhere = await h.login('officer1', 'officer1-password');
    const held = await Promise.all(
      Array.from({ length: 8 }, async () => {
        // The pages of the tests before held streams too: a slot is free again once the server saw their connection close.
        for (let attempt = 0; ; attempt += 1) {
          const aborted = new AbortController();
          const res = await fetch(`${url}/v1/officers/me/pending/events`, { headers: { authorization: `Bearer ${elsewhere}` }, signal: aborted.signal });
          if (res.status === 429 && attempt < 50) {
            aborted.abort();
            await new Promise((resolve) => setTimeout(resolve, 100));
            continue;
          }
          expect(res.status).toBe(200);
          return aborted;
        }
      }),
    );
    const page = await signIn(officer);
    const issued = await h.request('POST', '/v1/tokens', h.adminToken, { service: 'USER_MGMT', operation: { command: 'createUser', args: { type: 'CU', name: 'dave' } } });
    const id = issued.body.token.id as string;
    for (const stream of held) stream.abort();
    await page.locator('li', { hasText: id }).waitFor({ timeout: 15_000 });
    await page.context().close();
  }, 60_000);
});
