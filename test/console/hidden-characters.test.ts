import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signInToConsole } from '../support/console-page';
import { launchChromium } from '../support/browser';
import { Harness, type Officer } from '../support/harness';

/** What the console may never put on a page as itself: C0/C1 controls, DEL, direction controls and marks, invisible characters. */
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/u;

/**
 * The approver console shows an officer what a token really says: a requester's right-to-left
 * override that would turn "10.0" into "0.01" on screen, or a rejection reason of ANSI and
 * direction codes that would read "approved", appears as marked `\u202e` / `\u001b` escapes in
 * the words, the exact bytes and the reasons, and the token page warns at the top. In a real
 * browser (Debian's Chromium through playwright-core) against the real API and Redis.
 */
describe('approver console: control, direction and invisible characters are shown as marked escapes', () => {
  let h: Harness;
  let url: string;
  let browser: Browser;
  let officer: Officer;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const started = await Harness.withOfficers(['officer1', 'officer2'] as const);
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

  const signIn = (who: Officer): Promise<Page> => signInToConsole(browser, url, who, pageErrors, { viewport: { width: 1100, height: 900 } });

  async function issue(operation: { command: string; args: Record<string, unknown> }): Promise<string> {
    const issued = await h.request('POST', '/v1/tokens', h.adminToken, { service: 'USER_MGMT', operation });
    expect(issued.status).toBe(201);
    return issued.body.token.id as string;
  }

  /** The text of every text node under `selector`, and the escapes marked there (text, and whether they are styled apart). */
  async function shown(page: Page, selector: string): Promise<{ text: string; marks: { text: string; styled: boolean }[] }> {
    // The live part of the page is redrawn as events come: the element is found again in the same script run, never a detached one.
    return page.locator(selector).first().evaluate((found, again) => {
      const root = found.ownerDocument.querySelector(again) ?? found;
      const view = root.ownerDocument.defaultView!;
      const marks = [...root.querySelectorAll('.escaped')].map((mark) => {
        const style = view.getComputedStyle(mark);
        const around = view.getComputedStyle(mark.parentElement!);
        return { text: mark.textContent ?? '', styled: style.backgroundColor !== around.backgroundColor && style.backgroundColor !== 'rgba(0, 0, 0, 0)' };
      });
      return { text: root.textContent ?? '', marks };
    }, selector);
  }

  it('a right-to-left override in the arguments shows as a marked escape in "What it allows" and in the exact bytes, under a warning', async () => {
    const id = await issue({ command: 'transfer', args: { amount: '\u202e10.0\u202c', to: 'alice' } });
    const page = await signIn(officer);

    // The queue already shows the escape, not the override.
    await page.locator(`li[data-token-id="${id}"]`).waitFor();
    const item = await shown(page, `li[data-token-id="${id}"]`);
    expect(item.text).toContain('"amount":"\\u202e10.0\\u202c"');
    expect(HIDDEN.test(item.text)).toBe(false);

    await page.goto(`${url}/console#/tokens/${id}`);
    await page.getByRole('heading', { name: 'The exact bytes you sign' }).waitFor();
    const words = await shown(page, '.operation-words');
    expect(words.text).toBe('Run “transfer” (a command of another system, under USER_MGMT) with {"amount":"\\u202e10.0\\u202c","to":"alice"}');
    expect(words.marks).toEqual([
      { text: '\\u202e', styled: true },
      { text: '\\u202c', styled: true },
    ]);

    const bytes = await shown(page, 'pre.token-bytes');
    const signed = (await h.tokenBytes(id, officer.token)).toString('utf8');
    expect(signed).toContain('\u202e10.0\u202c');
    expect(bytes.text).toBe(signed.replace('\u202e', '\\u202e').replace('\u202c', '\\u202c'));
    expect(bytes.marks).toEqual([
      { text: '\\u202e', styled: true },
      { text: '\\u202c', styled: true },
    ]);
    expect(await page.locator('pre.token-bytes').getAttribute('dir')).toBe('ltr');

    const banner = page.getByRole('alert').filter({ hasText: 'Warning: hidden characters' });
    expect(await banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toMatch(/^Warning: hidden characters\. The operation \(“What it allows”\) and the exact bytes you sign hold control, direction or invisible characters/);

    // Nowhere on the page is such a character itself.
    expect(HIDDEN.test((await shown(page, 'main')).text)).toBe(false);
    await page.context().close();
  }, 60_000);

  it('a rejection reason of ANSI and direction codes that would read "approved" shows its escapes, marked', async () => {
    const id = await issue({ command: 'createUser', args: { type: 'CU', name: 'erin' } });
    // The requester rejects its own token with a reason meant to read as something else.
    const reason = '\u001b[2K\u001b[1A\u202edevorppa\u202c \u2066ok\u2069\u200b';
    const rejected = await h.request('POST', `/v1/tokens/${id}/rejections`, h.adminToken, { reason });
    expect(rejected.status).toBe(200);
    const page = await signIn(officer);
    await page.goto(`${url}/console#/tokens/${id}`);
    await page.getByRole('heading', { name: 'The exact bytes you sign' }).waitFor();
    const rejections = await shown(page, 'ul.rejections');
    expect(rejections.text).toContain('rejected at');
    expect(rejections.text).toContain('“\\u001b[2K\\u001b[1A\\u202edevorppa\\u202c \\u2066ok\\u2069\\u200b”');
    expect(HIDDEN.test(rejections.text)).toBe(false);
    expect(rejections.marks).toEqual(['\\u001b', '\\u001b', '\\u202e', '\\u202c', '\\u2066', '\\u2069', '\\u200b'].map((text) => ({ text, styled: true })));
    // The operation and its bytes are plain: the reason alone raises no warning about what is signed.
    expect(await page.getByRole('alert').filter({ hasText: 'Warning: hidden characters' }).count()).toBe(0);
    await page.context().close();
  }, 60_000);

  it('an AWS CloudHSM token’s description and a server’s error message show their escapes, marked', async () => {
    const example = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'aws-admin.token'), 'utf8')) as { approval_data: string; token: string };
    const operation = { command: 'cloudhsm', args: { service: 'user', description: 'user delete --username \u202enimda\u202c' } };
    const issued = await h.request('POST', '/v1/tokens', h.adminToken, { service: 'USER_MGMT', operation, cloudhsm: { tokenFile: { ...example, version: '2.0', signatures: [] } } });
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    const page = await signIn(officer);
    await page.goto(`${url}/console#/tokens/${id}`);
    await page.getByRole('heading', { name: 'The exact bytes you sign' }).waitFor();
    const words = await shown(page, '.operation-words');
    expect(words).toEqual({
      text: 'AWS CloudHSM token for the HSM’s user service: user delete --username \\u202enimda\\u202c',
      marks: [
        { text: '\\u202e', styled: true },
        { text: '\\u202c', styled: true },
      ],
    });
    expect(await page.getByRole('alert').filter({ hasText: 'Warning: hidden characters' }).textContent()).toContain('The operation (“What it allows”) holds control');

    // Whatever answers in quorumd's place (a proxy, a server of another version): its message is shown, never obeyed.
    await page.route('**/v1/tokens/*/rejections', (route) =>
      route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ code: 'RET_TOKEN_NOT_PENDING', message: '\u001b[32m\u202edevorppa\u202c' }) }),
    );
    await page.getByRole('button', { name: 'Reject' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'RET_TOKEN_NOT_PENDING' });
    await refusal.waitFor();
    const message = await shown(page, '.decide .notice.error');
    expect(message.text).toBe('RET_TOKEN_NOT_PENDING: \\u001b[32m\\u202edevorppa\\u202c');
    expect(message.marks.map((m) => m.text)).toEqual(['\\u001b', '\\u202e', '\\u202c']);
    await page.context().close();
  }, 60_000);

  it('a token with plain arguments shows no warning and no escapes, and a typed "\\u202e" stays plain text', async () => {
    // Six ordinary characters, as someone might type them: not an escape, so not marked.
    const id = await issue({ command: 'transfer', args: { amount: '10.0', note: 'see \\u202e' } });
    const page = await signIn(officer);
    await page.goto(`${url}/console#/tokens/${id}`);
    await page.getByRole('heading', { name: 'The exact bytes you sign' }).waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'Warning: hidden characters' }).count()).toBe(0);
    const all = await shown(page, 'main');
    expect(all.marks).toEqual([]);
    expect((await shown(page, '.operation-words')).text).toContain('"note":"see \\\\u202e"');
    await page.context().close();
  }, 60_000);

  it('a new crypto officer is described with its one-time password: it sets its own at first login', async () => {
    const id = await issue({ command: 'createUser', args: { type: 'CO', name: 'frank' } });
    const page = await signIn(officer);
    await page.goto(`${url}/console#/tokens/${id}`);
    await page.getByRole('heading', { name: 'The exact bytes you sign' }).waitFor();
    expect(await page.locator('.operation-words').textContent()).toBe(
      'Create the crypto officer “frank”. The password its requester chose works once only: at its first login the new officer must set a password of its own before it can do anything else (register a quorum key, approve).',
    );
    await page.context().close();
  }, 60_000);
});
