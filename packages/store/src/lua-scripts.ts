import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

/** The Lua sources: `lua/<command>-<numberOfKeys>.lua`, each prefixed with `lua/lib/`. */
export const LUA_DIR = join(__dirname, '..', 'lua');
const LIBRARY = ['sha256.lua', 'common.lua'];

export const SCRIPT_NAMES = [
  'approvalRecipients',
  'approveToken',
  'bootstrap',
  'changePassword',
  'consumeToken',
  'createApiKey',
  'createUser',
  'deleteApiKey',
  'deleteToken',
  'deleteUser',
  'expireToken',
  'issueToken',
  'loginAttempt',
  'loginFinish',
  'logout',
  'pendingTokens',
  'readSession',
  'readToken',
  'registerKey',
  'rejectToken',
  'setMValue',
  'setWebhook',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

export interface LuaScript {
  name: ScriptName;
  file: string;
  numberOfKeys: number;
  source: string;
}

function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

let loaded: LuaScript[] | undefined;

/** Reads every script once; start-up fails if a file and SCRIPT_NAMES disagree. */
export function luaScripts(): LuaScript[] {
  if (loaded) return loaded;
  const library = LIBRARY.map((file) => readFileSync(join(LUA_DIR, 'lib', file), 'utf8')).join('\n');
  const scripts = readdirSync(LUA_DIR)
    .filter((file) => file.endsWith('.lua'))
    .map((file) => {
      const match = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
      if (!match) throw new Error(`Lua script name must be <command>-<numberOfKeys>.lua: ${file}`);
      const name = camelCase(match[1] as string) as ScriptName;
      if (!(SCRIPT_NAMES as readonly string[]).includes(name)) throw new Error(`Lua script ${file} is not in SCRIPT_NAMES`);
      return { name, file, numberOfKeys: Number(match[2]), source: `${library}\n${readFileSync(join(LUA_DIR, file), 'utf8')}` };
    });
  const missing = SCRIPT_NAMES.filter((name) => !scripts.some((s) => s.name === name));
  if (missing.length > 0) throw new Error(`Lua scripts missing: ${missing.join(', ')}`);
  loaded = scripts;
  return scripts;
}

type ScriptCommand = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

/** Registers every script on a connection (ioredis EVALSHA with a fallback to EVAL). */
export function defineScripts(redis: Redis): void {
  for (const script of luaScripts()) {
    if (typeof (redis as unknown as Record<string, unknown>)[script.name] === 'function') continue;
    redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.source });
  }
}

export function scriptCommand(redis: Redis, name: ScriptName): ScriptCommand {
  // defineCommand adds the method at run time; ioredis cannot type it statically.
  const command = (redis as unknown as Record<string, ScriptCommand>)[name];
  if (!command) throw new Error(`Lua script ${name} is not defined on this connection`);
  return command.bind(redis);
}
