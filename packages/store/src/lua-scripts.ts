import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisClient } from './redis-url';
import { KEY_NAMES, type KeyName } from './keys';
import { expandContract } from './lua-contract';
import { declaredArgs } from './script-args';
import { checkArgs, checkReaches, libraryFor, readHeader } from './script-header';
import { SCRIPT_NAMES, SESSION_CHECKING_SCRIPTS, type ScriptName } from './script-names';

/**
 * The Lua sources: `lua/<command>-<numberOfKeys>.lua`, each loaded after the includes:
 * `lua/lib/context.lua` (the call's prefix, time and actor; fail, key), then the includes by
 * subject in LIBRARY's order (each uses only what comes before it); the Redis contract's names
 * in all of them (TF.service, KEY.user(uid), ...) are resolved at load (lua-contract.ts). A script declares every key it is handed on its
 * `-- KEYS:` line, by name (see KeyName); the store builds them in that order, and the script
 * reads them as `key('name')`.
 */
export const LUA_DIR = join(__dirname, '..', 'lua');
const LIBRARY = ['audit-outbox.lua', 'tokens.lua', 'sessions.lua', 'counting.lua', 'policies.lua', 'breakglass.lua', 'snapshot.lua', 'lifecycle.lua', 'gate.lua', 'breakglass-review.lua'];

export { SCRIPT_NAMES, SESSION_CHECKING_SCRIPTS, type ScriptName, type SessionCheckingScript } from './script-names';

export interface LuaScript {
  name: ScriptName;
  file: string;
  numberOfKeys: number;
  /** The keys it is handed, in order, by name. */
  keyNames: KeyName[];
  /** It checks the caller's session in the same step as its change (calls session_refusal). */
  checksSession: boolean;
  source: string;
}

/** The `-- KEYS: a b c` line of a script; its count must be the file name's. */
function declaredKeys(file: string, names: string[], numberOfKeys: number): KeyName[] {
  const unknown = names.filter((n) => !(KEY_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`Lua script ${file} declares unknown keys: ${unknown.join(', ')}`);
  if (names.length !== numberOfKeys) throw new Error(`Lua script ${file} declares ${names.length} keys but is named for ${numberOfKeys}`);
  return names as KeyName[];
}

/** SESSION_CHECKING_SCRIPTS must be exactly the scripts that check the caller's session (session_refusal). */
function checkSessionChecking(scripts: readonly LuaScript[]): void {
  const checking = scripts.filter((s) => s.checksSession).map((s) => s.name).sort();
  const declared = [...SESSION_CHECKING_SCRIPTS].sort();
  if (checking.join(' ') !== declared.join(' ')) {
    throw new Error(`SESSION_CHECKING_SCRIPTS (${declared.join(' ')}) must be the scripts that call session_refusal (${checking.join(' ')})`);
  }
}

/** K: the keys a script is handed, by name (read with key('name')). */
function bindKeys(names: readonly string[]): string {
  return `local K = {}\nfor i, name in ipairs({ ${names.map((n) => `'${n}'`).join(', ')} }) do K[name] = KEYS[i] end\n`;
}

/** A: a script's arguments after the common four, by name (A.name); an undeclared one fails loudly. */
function bindArgs(names: readonly string[] | undefined): string {
  if (!names) return '';
  const rest = names.at(-1)?.startsWith('...') ? (names.at(-1) ?? '').slice(3) : undefined;
  const single = rest === undefined ? names : names.slice(0, -1);
  return [
    "local A = setmetatable({}, { __index = function(_, name) error('quorumd: this script declares no argument ' .. tostring(name)) end })",
    `for i, name in ipairs({ ${single.map((n) => `'${n}'`).join(', ')} }) do rawset(A, name, ARGV[4 + i]) end`,
    ...(rest === undefined ? [] : [`do local rest = {} for i = ${5 + single.length}, #ARGV do rest[#rest + 1] = ARGV[i] end rawset(A, '${rest}', rest) end`]),
    '',
  ].join('\n');
}

function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

let loaded: LuaScript[] | undefined;

/** Reads every script once; start-up fails if a file and SCRIPT_NAMES disagree. */
export function luaScripts(): LuaScript[] {
  if (loaded) return loaded;
  const include = (file: string) => readFileSync(join(LUA_DIR, 'lib', file), 'utf8');
  const includes = LIBRARY.map(include).join('\n');
  const library = expandContract([include('context.lua'), includes].join('\n'));
  const scripts = readdirSync(LUA_DIR)
    .filter((file) => file.endsWith('.lua'))
    .map((file) => {
      const match = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
      if (!match) throw new Error(`Lua script name must be <command>-<numberOfKeys>.lua: ${file}`);
      const name = camelCase(match[1] as string) as ScriptName;
      if (!(SCRIPT_NAMES as readonly string[]).includes(name)) throw new Error(`Lua script ${file} is not in SCRIPT_NAMES`);
      const text = readFileSync(join(LUA_DIR, file), 'utf8');
      const numberOfKeys = Number(match[2]);
      const header = readHeader(file, text);
      const keyNames = declaredKeys(file, header.keys, numberOfKeys);
      checkArgs(file, name, declaredArgs(name), header.args);
      checkReaches(file, text, header, includes);
      const checksSession = /^[^-\n]*\bsession_refusal\(/m.test(text);
      return { name, file, numberOfKeys, keyNames, checksSession, source: `${bindKeys(keyNames)}${bindArgs(header.args)}${libraryFor(text, library)}\n${expandContract(text)}` };
    });
  const missing = SCRIPT_NAMES.filter((name) => !scripts.some((s) => s.name === name));
  if (missing.length > 0) throw new Error(`Lua scripts missing: ${missing.join(', ')}`);
  checkSessionChecking(scripts);
  loaded = scripts;
  return scripts;
}

type ScriptCommand = (...keysAndArgs: (string | number | Buffer)[]) => Promise<unknown>;

/** Registers every script on a connection (ioredis EVALSHA with a fallback to EVAL). */
export function defineScripts(redis: RedisClient): void {
  for (const script of luaScripts()) {
    if (typeof (redis as unknown as Record<string, unknown>)[script.name] === 'function') continue;
    redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.source });
  }
}

let keyNamesByScript: Map<ScriptName, KeyName[]> | undefined;

/** The keys a script declares, by name (looked up per call: a map built once). */
export function scriptKeyNames(name: ScriptName): KeyName[] {
  keyNamesByScript ??= new Map(luaScripts().map((s) => [s.name, s.keyNames]));
  const names = keyNamesByScript.get(name);
  if (!names) throw new Error(`Lua script ${name} is not loaded`);
  return names;
}

export function scriptCommand(redis: RedisClient, name: ScriptName): ScriptCommand {
  // defineCommand adds the method at run time; ioredis cannot type it statically.
  const command = (redis as unknown as Record<string, ScriptCommand>)[name];
  if (!command) throw new Error(`Lua script ${name} is not defined on this connection`);
  return command.bind(redis);
}
