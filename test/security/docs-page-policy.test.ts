import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { Harness } from '../support/harness';

describe('the API documentation page (Swagger UI)', () => {
  let h: Harness;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    h = await Harness.start();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await h.close();
  });

  it('is served under a Content-Security-Policy that forbids framing and inline script', async () => {
    for (const path of ['/docs', '/docs/', '/docs/static/index.html', '/docs/static/swagger-initializer.js']) {
      const res = await fetch(`${base}${path}`, { redirect: 'manual' });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect({ path, csp }).toEqual({ path, csp: expect.stringContaining("frame-ancestors 'none'") });
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('still renders the API under that policy, with no violation reported', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${base}/docs/static/index.html`);
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 });
    expect(await page.textContent('.swagger-ui .info .title')).toContain('quorumd');
    await page.waitForSelector('.opblock', { timeout: 15_000 });
    expect(violations).toEqual([]);
    await page.close();
  });
});
