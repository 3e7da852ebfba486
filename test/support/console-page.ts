import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import type { Officer } from './harness';

/**
 * A new browser context signed in to the console at `url` as `who` (its password is
 * `<name>-password`, as the harness makes it), on the "My queue" page. Script errors of the
 * page go to `pageErrors`, which the suites check after each test.
 */
export async function signInToConsole(browser: Browser, url: string, who: Officer, pageErrors: string[], options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${url}/console`);
  await page.getByLabel('Name').fill(who.name);
  await page.getByLabel('Password').fill(`${who.name}-password`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My queue' }).waitFor({ timeout: 10_000 });
  return page;
}
