import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ERROR_CODES } from '@quorumd/core';

/** The reference documents a reader without the source relies on stay true to the code. */
describe('docs', () => {
  const root = join(__dirname, '..');

  it('docs/errors.md lists every error code with its status, and nothing else', () => {
    const text = readFileSync(join(root, 'docs/errors.md'), 'utf8');
    const rows = [...text.matchAll(/^\| `(RET_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(Object.entries(ERROR_CODES).map(([code, v]) => [code, v.status]));
  });

  it('git ignores every data dir the README has quorumd write into the checkout', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const ignored = readFileSync(join(root, '.gitignore'), 'utf8').split('\n');
    const dirs = [...readme.matchAll(/QUORUM_DATA_DIR=\.\/([\w.-]+)/g)].map((m) => `${m[1]}/`);
    expect(dirs).toContain('data2/');
    for (const dir of ['data/', ...dirs]) expect(ignored).toContain(dir);
  });

  it('the README links the reference documents and does not point outside the repository', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('docs/errors.md');
    expect(readme).toContain('docs/token-format.md');
    expect(readme).not.toMatch(/\.\.\/shared/);
  });

  it('the README stays a newcomer\'s page (at most 400 lines) and links every page of docs/ in one click', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
    const pages = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'));
    expect(pages.length).toBeGreaterThanOrEqual(10);
    for (const page of pages) expect(readme).toContain(`](docs/${page})`);
  });

  it('every relative link of the README and docs/ reaches a file, and every #anchor a heading of it', () => {
    const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue;
        const [path = '', hash] = target.split('#');
        const resolved = path === '' ? join(root, file) : join(root, dirname(file), path);
        if (!existsSync(resolved)) {
          broken.push(`${file}: ${target}`);
          continue;
        }
        if (hash && resolved.endsWith('.md')) {
          const headings = [...readFileSync(resolved, 'utf8').matchAll(/^#+ (.*)$/gm)].map((m) => anchor(m[1] ?? ''));
          if (!headings.includes(hash)) broken.push(`${file}: ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
