import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
});
