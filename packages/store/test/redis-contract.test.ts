import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { KEY_PATTERNS, LUA_DIR, REDIS_CONTRACT, SESSION_FIELDS, StoreKeys, TOKEN_FIELDS, luaScripts } from '../src';
import { expandContract } from '../src/lua-contract';

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

  it('resolves, in the Lua it loads, a field, a service and a key added to the declaration', async () => {
    const contract = {
      ...REDIS_CONTRACT,
      tokenFields: { ...REDIS_CONTRACT.tokenFields, madeUpField: 'mup' },
      services: [...REDIS_CONTRACT.services, 'MADE_UP_MGMT'],
      keyPatterns: { ...REDIS_CONTRACT.keyPatterns, madeUpKey: 'made:<userId>:up' },
    };
    const source = "local P = ARGV[1]\n-- TF.notDeclared in a comment stays\nreturn { TF.madeUpField, SERVICES[#SERVICES], KEY.madeUpKey(3 + 4), STATUS.PENDING, PROTECTED.setMValue, 'TF.inAString', VOTE .. 7, TOKEN_KEY_LENGTH }";
    const lua = expandContract(source, contract);
    expect(lua).toContain("'mup'");
    expect(lua).toContain('-- TF.notDeclared in a comment stays');
    // Run it: the declared text is what the script reads.
    expect(await redis.eval(lua, 0, '{t}:')).toEqual(['mup', 'MADE_UP_MGMT', '{t}:made:7:up', 'PENDING', 'QUORUM_MGMT', 'TF.inAString', 'v:7', 10]);
    // A name the contract does not declare fails the load, not a call.
    expect(() => expandContract('return TF.notDeclared', contract)).toThrow(/declares no token field notDeclared/);
    expect(() => expandContract('return KEY.nowhere(1)', contract)).toThrow(/declares no key nowhere/);
    expect(() => expandContract('return KEY.user()', contract)).toThrow(/key user is built from a value/);
  });

  it('builds every key in TypeScript exactly as the Lua does', async () => {
    const keys = new StoreKeys('contract');
    const names = Object.keys(KEY_PATTERNS) as (keyof typeof KEY_PATTERNS)[];
    const source = `local P = ARGV[1]\nreturn { ${names.map((name) => (KEY_PATTERNS[name].includes('<') ? `KEY.${name}('42')` : `KEY.${name}()`)).join(', ')} }`;
    const fromLua = await redis.eval(expandContract(source), 0, keys.base);
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
