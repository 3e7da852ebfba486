import { REDIS_CONTRACT, type RedisContract } from './redis-contract';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function luaString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function identifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`${what} ${JSON.stringify(name)} is not a Lua identifier`);
  return name;
}

/** `{ a = 'x', b = 'y' }`, one entry a line. */
function table(entries: [string, string][], what: string): string {
  return `{\n${entries.map(([name, value]) => `  ${identifier(name, what)} = ${value},`).join('\n')}\n}`;
}

/** `P .. 'user:' .. userId .. ':votes'` for `user:<userId>:votes`. */
function keyBuilder(pattern: string): string {
  const match = /^([^<]*)<([A-Za-z]+)>([^<]*)$/.exec(pattern);
  if (!match) {
    if (pattern.includes('<')) throw new Error(`key pattern ${pattern} has more than one placeholder`);
    return `function() return P .. ${luaString(pattern)} end`;
  }
  const [, before = '', id = '', after = ''] = match;
  const parts = ['P', ...(before ? [luaString(before)] : []), identifier(id, 'placeholder'), ...(after ? [luaString(after)] : [])];
  return `function(${id}) return ${parts.join(' .. ')} end`;
}

/**
 * The Lua prelude every script is loaded with (after lib/context.lua, before the other
 * includes), generated from the Redis contract: the token, session and outbox entry fields (TF, SF, OF), the vote and
 * rejection prefixes, the quorum services (SERVICES, in order), the
 * token statuses (STATUS), the protected commands' services (PROTECTED) and a builder for
 * every key (KEY). A name a script reads that the contract does not declare fails loudly.
 */
export function luaPrelude(contract: RedisContract = REDIS_CONTRACT): string {
  const { vote, rejection } = contract.tokenFieldPrefixes;
  if (vote.length !== 2 || rejection.length !== 2) throw new Error('vote and rejection field prefixes are two bytes (scripts compare them byte by byte)');
  const same = (names: readonly string[]) => names.map((name): [string, string] => [name, luaString(name)]);
  const fields = (what: string, declared: Record<string, string>) => table(Object.entries(declared).map(([name, field]) => [name, luaString(field)]), what);
  return [
    '-- Generated from packages/store/src/redis-contract.ts by lua-prelude.ts at load: do not edit.',
    'local function declared(what, names)',
    "  return setmetatable(names, { __index = function(_, name) error('quorumd: the Redis contract declares no ' .. what .. ' ' .. tostring(name)) end })",
    'end',
    '-- A token hash field, by the name both sides use.',
    `local TF = declared('token field', ${fields('token field', contract.tokenFields)})`,
    '-- A session hash field, and an outbox entry field.',
    `local SF = declared('session field', ${fields('session field', contract.sessionFields)})`,
    `local OF = declared('outbox field', ${fields('outbox field', contract.outboxFields)})`,
    "-- A service hash field (`service:<name>`).",
    `local SVF = declared('service field', ${fields('service field', contract.serviceFields)})`,
    '-- Field prefixes of a vote (`v:<user id>`) and a rejection (`r:<user id>`), and their bytes.',
    `local VOTE, REJECTION = ${luaString(vote)}, ${luaString(rejection)}`,
    'local VOTE_BYTE_1, VOTE_BYTE_2 = string.byte(VOTE, 1, 2)',
    '-- The quorum services, in order, and by name.',
    `local SERVICES = { ${contract.services.map(luaString).join(', ')} }`,
    '-- The group of every crypto officer (built in: the officers set).',
    `local BUILTIN_GROUP = ${luaString(contract.builtinGroup)}`,
    `local STATUS = declared('token status', ${table(same(contract.statuses), 'status')})`,
    '-- The quorum service each protected command is gated by.',
    `local PROTECTED = declared('protected command', ${fields('protected command', contract.protectedCommands)})`,
    '-- Every key, built from the one value its pattern names.',
    `local KEY = declared('key', ${table(Object.entries(contract.keyPatterns).map(([name, pattern]) => [name, keyBuilder(pattern)]), 'key')})`,
    "-- A token key's length before its id (a token's id is in its key).",
    "local TOKEN_KEY_LENGTH = #KEY.token('')",
    '',
  ].join('\n');
}
