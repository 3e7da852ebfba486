import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QuorumClient } from '@quorumd/client';
import { parseQuorumPublicKey } from '@quorumd/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { Harness, type Officer } from '../support/harness';

/** `CONSOLE_SCREENSHOTS=1 npx jest test/console/pages-in-a-browser.test.ts` renews the README's pictures in docs/. */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs') : undefined;

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
    // With the worker: its sealer signs audit checkpoints, which the console's Verify checks.
    const started = await Harness.withOfficers(['officer1', 'officer2', 'officer3'] as const, { worker: true });
    h = started.h;
    officers = [...started.officers];
    // One more officer, without a key yet: it makes one in the console.
    officers.push(await h.addOfficer('officer4', { key: false }));
    // USER_MGMT needs 2 of the 3 key-holding officers (the admin holds a key too).
    await h.setM(started.admin, 'USER_MGMT', 2, []);
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 60_000);

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
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
    page.on('pageerror', (err) => pageErrors.push(`${officer.name}: ${err.message}`));
    // A 403 is how a protected command first answers the quorum flow; any other failed load is an error.
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 403/.test(message.text())) pageErrors.push(`${officer.name}: ${message.text()}`);
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
    await queueCountInTitle(one, 1);

    await item.getByRole('link', { name: token.id }).click();
    await one.getByText('The exact bytes you sign').waitFor();
    expect(await one.locator('pre.token-bytes').textContent()).toBe((await h.tokenBytes(token.id, officers[0]!.token)).toString('utf8'));
    await one.getByLabel('Private key').setInputFiles(officers[0]!.key!.privatePath);
    await one.getByText('Key loaded').waitFor();
    await one.getByRole('button', { name: 'Approve' }).click();
    await one.getByText('Approved: 1 of 2').waitFor();

    // The other officer's queue says who approved, live.
    await two.locator('li', { hasText: token.id }).getByText('1 of 2 — approved by officer1').waitFor();
    if (SCREENSHOTS) await two.screenshot({ path: join(SCREENSHOTS, 'console-queue.png') });
    await two.locator('li', { hasText: token.id }).getByRole('link', { name: token.id }).click();
    await two.getByLabel('Private key').setInputFiles(officers[1]!.key!.privatePath);
    await two.getByText('Key loaded').waitFor();
    if (SCREENSHOTS) await two.screenshot({ path: join(SCREENSHOTS, 'console-token.png'), fullPage: true });
    await two.getByRole('button', { name: 'Approve' }).click();
    await two.getByText('Status: APPROVED').waitFor();
    await one.getByText('Status: APPROVED').waitFor();

    const approved = await automation.waitForApproval(token.id, { timeoutMs: 5_000 });
    expect(approved.status).toBe('APPROVED');
    const user = await automation.runProtected.createUser({ type: 'CU', name: 'alice', password: 'alice-password' }, token.id);
    expect(user.name).toBe('alice');
    await queueCountInTitle(one, 0);
  }, 60_000);

  it('refuses a key that is not the officer\'s registered one, before anything is sent', async () => {
    const token = await new QuorumClient({ url, token: h.adminToken }).requestQuorum({
      service: 'USER_MGMT',
      operation: { command: 'createUser', args: { type: 'CU', name: 'mallory' } },
    });
    const page = await signIn(officers[0]!);
    await page.goto(`${url}/console#/tokens/${token.id}`);
    await page.getByText('The exact bytes you sign').waitFor();
    const log = sent.get(page)!;
    const before = log.length;

    // Approve without a key: nothing is sent.
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Pick your private key first').waitFor();

    // Someone else's key (PKCS#1, read by node-forge): refused with both fingerprints.
    const other = h.openssl.genrsa(2048);
    const pkcs1 = join(h.openssl.dir, 'other-pkcs1.pem');
    execFileSync('openssl', ['rsa', '-in', other.privatePath, '-traditional', '-out', pkcs1], { stdio: 'pipe' });
    await page.getByLabel('Private key').setInputFiles(pkcs1);
    await page.getByText(/Refused: this key \([0-9a-f ]+\) is not your registered quorum key \([0-9a-f ]+\)\. Nothing was sent\./).waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Pick your private key first').waitFor();
    const after = log.slice(before);
    expect(after.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(after.every((r) => r.url.startsWith(url))).toBe(true);
    expect((await h.request('GET', `/v1/tokens/${token.id}`, h.adminToken)).body.token.approvals).toEqual([]);

    // Its own key, encrypted PKCS#8 with a passphrase (node-forge decrypts, WebCrypto signs): accepted.
    const encrypted = join(h.openssl.dir, 'officer1-encrypted.pem');
    execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', officers[0]!.key!.privatePath, '-passout', 'pass:long passphrase', '-out', encrypted], { stdio: 'pipe' });
    await page.getByLabel('Private key').setInputFiles(encrypted);
    await page.getByText('This key is encrypted: type its passphrase').waitFor();
    await page.getByLabel('Passphrase').fill('wrong passphrase');
    await page.getByLabel('Passphrase').press('Enter');
    await page.getByText('The passphrase does not open this key').waitFor();
    await page.getByLabel('Passphrase').fill('long passphrase');
    await page.getByLabel('Passphrase').press('Enter');
    await page.getByText('Key loaded').waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Approved: 1 of 2').waitFor();
    expect((await h.request('DELETE', `/v1/tokens/${token.id}`, h.adminToken)).status).toBe(200);
  }, 60_000);

  it('shows a rejection made in one browser live in the other', async () => {
    const token = await new QuorumClient({ url, token: h.adminToken }).requestQuorum({
      service: 'USER_MGMT',
      operation: { command: 'deleteUser', args: { id: officers[2]!.id } },
    });
    const [watcher, rejecter] = await Promise.all([signIn(officers[0]!), signIn(officers[1]!)]);
    await watcher.goto(`${url}/console#/tokens/${token.id}`);
    await watcher.getByText('Rejections').waitFor();
    expect(await watcher.locator('.operation-words').textContent()).toBe(`Delete officer3 (user ${officers[2]!.id}, CO)`);
    await rejecter.locator('li', { hasText: token.id }).getByRole('link', { name: token.id }).click();
    await rejecter.getByLabel('Reason').fill('no change ticket');
    await rejecter.getByRole('button', { name: 'Reject' }).click();
    await rejecter.getByText('Rejected. Status PENDING.').waitFor();

    // Three officers and the admin hold keys: one rejection leaves it PENDING, and the other page shows it at once.
    await watcher.getByText(/officer2 rejected at .*: “no change ticket”/).waitFor({ timeout: 5_000 });
    expect(await watcher.locator('[data-status]').getAttribute('data-status')).toBe('PENDING');
    // It left the rejecter's queue, and stays in the watcher's.
    await queueCountInTitle(rejecter, 0);
    await queueCountInTitle(watcher, 1);
  }, 60_000);

  it('makes a key pair in the browser, downloads it encrypted, and registers it with the challenge', async () => {
    const page = await signIn(officers[3]!);
    await page.getByRole('link', { name: 'My key' }).click();
    await page.getByText('You have no registered quorum key yet').waitFor();
    await page.getByLabel('Passphrase').fill('officer4 passphrase');
    await page.getByRole('button', { name: 'Generate key pair' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download private key' }).click()]);
    const path = join(h.openssl.dir, 'officer4-download.pem');
    await download.saveAs(path);
    await page.getByRole('button', { name: 'Register this key' }).click();
    await page.getByText('Registered:').waitFor();

    // openssl opens the download with the passphrase, and its public half is the key quorumd now holds.
    const pem = readFileSync(path, 'utf8');
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const publicPem = execFileSync('openssl', ['pkey', '-in', path, '-passin', 'pass:officer4 passphrase', '-pubout'], { stdio: 'pipe' }).toString();
    const users = (await h.request('GET', '/v1/users', h.adminToken)).body.users as { name: string; fingerprint?: string }[];
    expect(users.find((u) => u.name === 'officer4')?.fingerprint).toBe(parseQuorumPublicKey(publicPem).fingerprint);
  }, 60_000);

  it('creates a user through the quorum flow, warns before an M the officers cannot reach, and verifies the audit log', async () => {
    const page = await signIn({ id: 1, name: 'admin', token: h.adminToken });
    await page.getByRole('link', { name: 'Users' }).click();
    await page.locator('tr[data-user="officer1"]').waitFor();
    await page.getByLabel('New user’s name').fill('bob');
    await page.getByLabel('New user’s password').fill('bob-password');
    await page.getByRole('button', { name: 'Create user' }).click();
    const link = page.locator('.quorum-run a');
    await link.waitFor();
    const id = (await link.textContent())!;
    for (const officer of officers.slice(0, 2)) expect((await h.approve(id, officer)).status).toBe(200);
    await page.getByText('Approved, and done: created CU bob').waitFor();
    await page.locator('tr[data-user="bob"]').waitFor();

    // Five officers hold keys: M = 6 is stopped in the page, before anything is sent.
    await page.getByRole('link', { name: 'Quorum (M values)' }).click();
    const log = sent.get(page)!;
    await page.getByLabel('New M for USER_MGMT').fill('6');
    const before = log.length;
    await page.getByRole('button', { name: 'Set M of USER_MGMT' }).click();
    await page.getByText(/Lock-out guard: only 5 officers hold a quorum key/).waitFor();
    expect(log.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('cell', { name: 'user.created' }).first().waitFor();
    await waitForCheckpoint();
    await page.getByRole('button', { name: 'Verify the audit log' }).click();
    await page.getByText(/audit log OK: \d+ entries, [1-9]\d* sealed(, \d+ pending \(not sealed yet\))?, [1-9]\d* signed checkpoint\(s\) verified, head [0-9a-f]{64}/).waitFor();
    // The transparency log too: the latest signed note opened, its Merkle root recomputed in the browser, the service's proofs checked.
    await page.getByText(/; audit tree OK: the checkpoint of quorumd\/\S+ at entry \d+ verified, its Merkle root recomputed, consistent with the one at entry \d+, entry \d+ proven included/).waitFor();

    // A busy deployment: entries appended, sealed and checkpointed after the page read the head, before it reads the log.
    const head = (await h.request('GET', '/v1/audit/head', h.adminToken)).body.seq as number;
    let grown = false;
    await page.route(/\/v1\/audit\?format=raw/, async (route) => {
      if (!grown) {
        grown = true;
        for (let i = 0; i < 3; i++) await h.login('admin', 'admin-password');
        await waitForCheckpoint(head + 3);
      }
      await route.continue();
    });
    await page.getByRole('button', { name: 'Verify the audit log' }).click();
    const verdict = page.getByText(/^audit log (OK|BROKEN)/);
    await verdict.waitFor({ timeout: 15_000 });
    expect(grown).toBe(true);
    expect(await verdict.textContent()).toMatch(/^audit log OK: \d+ entries, [1-9]\d* sealed/);
  }, 60_000);

  it('shows an AWS CloudHSM token with its hints and signs its approval data; Sign out forgets the session', async () => {
    const example = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'aws-admin.token'), 'utf8')) as { approval_data: string; token: string };
    const operation = { command: 'cloudhsm', args: { service: 'user', description: 'user create --username user1 --role crypto-user' } };
    const issued = await h.request('POST', '/v1/tokens', h.adminToken, { service: 'USER_MGMT', operation, cloudhsm: { tokenFile: { ...example, version: '2.0', signatures: [] } } });
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    const page = await signIn(officers[0]!);
    await page.locator('li', { hasText: id }).getByRole('link', { name: id }).click();
    expect(await page.locator('.operation-words').textContent()).toBe('AWS CloudHSM token for the HSM’s user service: user create --username user1 --role crypto-user');
    await page.getByRole('heading', { name: 'AWS CloudHSM token' }).waitFor();
    expect(await page.locator('.hsm-hints').textContent()).toContain(issued.body.token.cloudhsm.digest);
    // The approval data is binary: shown as hex, and that is what is signed.
    expect((await page.locator('pre.token-bytes').textContent())!.replace(/\n/g, '')).toBe(Buffer.from(example.approval_data, 'base64').toString('hex'));
    await page.getByLabel('Private key').setInputFiles(officers[0]!.key!.privatePath);
    await page.getByText('Key loaded').waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Approved: 1 of 2').waitFor();

    const session = JSON.parse((await storageOf(page)).session!) as { token: string };
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await storageOf(page)).toEqual({ session: null, items: 0 });
    expect((await h.request('GET', '/v1/officers/me/pending', session.token)).status).toBe(401);
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }, 60_000);

  /** Waits until the page title shows the queue's count. */
  async function queueCountInTitle(page: Page, count: number): Promise<void> {
    // Polled from here: the console's CSP (no eval) refuses the string functions waitForFunction injects.
    for (let i = 0; i < 100 && (await page.title()) !== `(${count}) quorumd console`; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await page.title()).toBe(`(${count}) quorumd console`);
  }

  /** The tab's web storage (typed here: the tests are compiled without the DOM library). */
  type WebStorage = { sessionStorage: { getItem(key: string): string | null; length: number }; localStorage: { length: number } };
  const storageOf = (page: Page) =>
    page.evaluate(() => {
      const tab = globalThis as unknown as WebStorage;
      return { session: tab.sessionStorage.getItem('quorumd.console.session'), items: tab.sessionStorage.length + tab.localStorage.length };
    });

  /** Waits until a checkpoint is signed at entry `seq` or later. */
  async function waitForCheckpoint(seq = 1): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const { checkpoints } = (await h.request('GET', '/v1/audit/checkpoints', h.adminToken)).body as { checkpoints: { seq: number }[] };
      if ((checkpoints.at(-1)?.seq ?? 0) >= seq) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no audit checkpoint');
  }
});
