import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isErrorCode } from '@quorumd/core';

/** Every Lua file of the store, includes too. */
function luaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? luaFiles(join(dir, entry.name)) : entry.name.endsWith('.lua') ? [join(dir, entry.name)] : [],
  );
}

describe('error codes the scripts answer', () => {
  const files = luaFiles(join(__dirname, '..', 'lua'));

  it('finds the scripts', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('every RET_ code a script names (in a fail() or anywhere else) is defined in core', () => {
    const unknown: string[] = [];
    for (const file of files) {
      for (const [code] of readFileSync(file, 'utf8').matchAll(/RET_[A-Z0-9_]+/g)) {
        if (!isErrorCode(code)) unknown.push(`${file.split('/lua/')[1]}: ${code}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('every fail() names its code as a literal, so the check above sees it', () => {
    const dynamic: string[] = [];
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bfail\(\s*([^,)]*)/g)) {
        const first = match[1] ?? '';
        if (!/^'RET_[A-Z0-9_]+'$/.test(first.trim()) && !/^code$/.test(first.trim())) dynamic.push(`${file.split('/lua/')[1]}: fail(${first}`);
      }
    }
    expect(dynamic).toEqual([]);
  });
});
