import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { KEY_PATTERNS, LUA_DIR, REDIS_CONTRACT, SESSION_FIELDS, StoreKeys, TOKEN_FIELDS, luaScripts } from '../src';
import { luaPrelude } from '../src/lua-prelude';

const luaFiles = [
  ...readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua')).map((f) => join(LUA_DIR, f)),
  ...readdirSync(join(LUA_DIR, 'lib')).map((f) => join(LUA_DIR, 'lib', f)),
];
/** Every quoted string of a Lua file, comments and key('name') (a key the script is handed, by name) left out. */
function luaStrings(file: string): string[] {
  const code = readFileSync(file, 'utf8').replace(/--.*$/gm, '').replace(/\bkey\('\w+'\)/g, 'key()');
  return [...code.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1] ?? '');
}

describe('the Redis contract between TypeScript and Lua', () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  afterAll(() => redis.quit());

  it('generates a prelude that carries a field and a service added to the declaration', async () => {
    const contract = {
      ...REDIS_CONTRACT,
      tokenFields: { ...REDIS_CONTRACT.tokenFields, madeUpField: 'mup' },
      services: [...REDIS_CONTRACT.services, 'MADE_UP_MGMT'],
      keyPatterns: { ...REDIS_CONTRACT.keyPatterns, madeUpKey: 'made:<userId>:up' },
    };
    const prelude = luaPrelude(contract);
    expect(prelude).toContain("madeUpField = 'mup'");
    // Run it: the generated names are what the scripts read.
    const script = `local P = ARGV[1]\n${prelude}\nlocal ok, err = pcall(function() return TF.notDeclared end)\nreturn { TF.madeUpField, SERVICES[#SERVICES], KEY.madeUpKey(7), STATUS.PENDING, PROTECTED.setMValue, tostring(ok), string.match(tostring(err), 'declares no token field notDeclared') or '' }`;
    expect(await redis.eval(script, 0, '{t}:')).toEqual(['mup', 'MADE_UP_MGMT', '{t}:made:7:up', 'PENDING', 'QUORUM_MGMT', 'false', 'declares no token field notDeclared']);
  });

  it('builds every key in TypeScript exactly as the Lua prelude does', async () => {
    const keys = new StoreKeys('contract');
    const names = Object.keys(KEY_PATTERNS) as (keyof typeof KEY_PATTERNS)[];
    const lua = `local P = ARGV[1]\n${luaPrelude()}\nlocal out = {}\nfor i, name in ipairs(cjson.decode(ARGV[2])) do out[i] = KEY[name]('42') end\nreturn out`;
    const fromLua = await redis.eval(lua, 0, keys.base, JSON.stringify(names));
    expect(fromLua).toEqual(names.map((name) => (keys[name] as (id?: string) => string)('42')));
  });

  it('no Lua file spells a service name, a token or session field name, or a key pattern', () => {
    const services = new Set<string>(REDIS_CONTRACT.services);
    const fields = new Set<string>([...Object.values(TOKEN_FIELDS), ...Object.values(SESSION_FIELDS)]);
    const keyParts = Object.values(KEY_PATTERNS).map((pattern) => pattern.replace(/<[A-Za-z]+>.*$/, ''));
    const shortFields = Object.values(TOKEN_FIELDS).filter((field) => !(field in TOKEN_FIELDS));
    const found: string[] = [];
    for (const file of luaFiles) {
      for (const text of luaStrings(file)) {
        // (A requester key, 'user:<id>' or 'apikey:<id>', is a token field's value, not a Redis key.)
        const requesterKind = text === 'apikey:' || text === 'user:';
        if (services.has(text) || fields.has(text) || (keyParts.includes(text) && !requesterKind) || /^[vr]:$/.test(text)) found.push(`${file}: '${text}'`);
        for (const service of services) if (text.includes(service)) found.push(`${file}: '${text}' names ${service}`);
      }
      const code = readFileSync(file, 'utf8').replace(/--.*$/gm, '');
      for (const field of shortFields) if (new RegExp(`\\.${field}\\b`).test(code)) found.push(`${file}: .${field}`);
    }
    expect(found).toEqual([]);
  });

  it('every script loads with the prelude and compiles', async () => {
    for (const script of luaScripts()) {
      // SCRIPT LOAD compiles without running.
      await expect(redis.script('LOAD', script.source)).resolves.toMatch(/^[0-9a-f]{40}$/);
    }
  });
});
