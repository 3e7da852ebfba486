import { SCRIPT_NAMES, luaScripts } from '../src';
import { declaredArgs, orderedArgs } from '../src/script-args';
import { checkArgs, checkReaches, libraryFor, readHeader } from '../src/script-header';

const INCLUDES = `local function finish(tkey)
  redis.call('SREM', KEY.userVotes(uid), id)
  announce(id)
end

local function announce(id)
  redis.call('PUBLISH', KEY.events(), id)
end
`;

function script(reaches: string, args = 'id reason'): string {
  return `-- A made-up script.\n-- KEYS: token audit\n-- Reaches: ${reaches}\n-- ARGV: ${args}\n-- Returns: 1\nfinish(key('token'))\nreturn 1\n`;
}

describe('script headers', () => {
  it('every script loads: its KEYS, ARGV, Reaches and Returns lines agree with the TypeScript side', () => {
    const scripts = luaScripts();
    expect(scripts.length).toBeGreaterThan(20);
    for (const name of SCRIPT_NAMES) {
      const args = declaredArgs(name);
      if (!args) continue;
      const loaded = scripts.find((s) => s.name === name);
      expect(loaded?.source).toContain(`ipairs({ ${args.filter((a) => !a.startsWith('...')).map((a) => `'${a}'`).join(', ')} }) do rawset(A, name, ARGV[4 + i])`);
    }
  });

  it('refuses an ARGV line that differs from what the TypeScript side passes', () => {
    const header = readHeader('made-up-2.lua', script('events userVotes', 'reason id'));
    expect(() => checkArgs('made-up-2.lua', 'madeUp', ['id', 'reason'], header.args)).toThrow(/takes "reason id" but SCRIPT_ARGS.madeUp passes "id reason"/);
    expect(() => checkArgs('made-up-2.lua', 'madeUp', ['id', 'reason'], undefined)).toThrow(/has no "-- ARGV:" line/);
    expect(() => checkArgs('made-up-2.lua', 'madeUp', undefined, ['id'])).toThrow(/SCRIPT_ARGS has no madeUp/);
    expect(() => checkArgs('made-up-2.lua', 'madeUp', ['id', 'reason'], header.args?.slice().reverse())).not.toThrow();
  });

  it('refuses a Reaches line that leaves out a key the script builds through an include, or names one it never builds', () => {
    const text = (reaches: string) => script(reaches);
    const check = (reaches: string) => checkReaches('made-up-2.lua', text(reaches), readHeader('made-up-2.lua', text(reaches)), INCLUDES);
    expect(() => check('events userVotes — the voters\' sets, the channel')).not.toThrow();
    // `events` is built by announce(), which finish() calls: two includes deep.
    expect(() => check('userVotes')).toThrow(/unsaid: events/);
    expect(() => check('events userVotes webhook')).toThrow(/never built: webhook/);
    expect(() => check('nothing')).toThrow(/unsaid: events userVotes/);
    expect(() => check('events userVotes madeUpKey')).toThrow(/unknown keys on its Reaches line: madeUpKey/);
  });

  it('refuses a script with no Reaches or Returns line', () => {
    expect(() => readHeader('x-1.lua', '-- KEYS: token\n-- Returns: 1\n')).toThrow(/no "-- Reaches:" line/);
    expect(() => readHeader('x-1.lua', '-- KEYS: token\n-- Reaches: nothing\n')).toThrow(/no "-- Returns:" line/);
  });

  it('lays named arguments out in the declared order, and refuses a missing or unknown one before anything runs', () => {
    expect(orderedArgs('refuseVotes', { refused: ['7', 'ab', '8', 'cd'] })).toEqual(['7', 'ab', '8', 'cd']);
    expect(orderedArgs('approvalRecipients', { tokenIds: ['t1', 't2'], requesterMayApprove: '1' })).toEqual(['1', 't1', 't2']);
    expect(() => orderedArgs('readToken', {})).toThrow(/argument requesterMayApprove is missing/);
    expect(() => orderedArgs('readToken', { requesterMayApprove: '1', extra: 'x' })).toThrow(/declares no argument extra/);
  });

  it('loads a script with only the include functions it calls, directly or through another', () => {
    const library = `local P = ARGV[1]\nlocal seen = {}\n${INCLUDES}\nlocal function unused(x)\n  return x\nend\n`;
    const loaded = libraryFor("finish(key('token'))\n", library);
    expect(loaded).toContain('local function finish(');
    expect(loaded).toContain('local function announce(');
    expect(loaded).not.toContain('local function unused(');
    // What is not a function (the call's context, tables the functions share) always stays.
    expect(loaded).toContain('local P = ARGV[1]');
    expect(loaded).toContain('local seen = {}');
  });
});
