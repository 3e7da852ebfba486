import { REDIS_CONTRACT, type RedisContract } from './redis-contract';

function luaString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** Splits Lua source into code and the parts that are not code (strings, comments), which are left as they are. */
function segments(source: string): { code: boolean; text: string }[] {
  const out: { code: boolean; text: string }[] = [];
  let start = 0;
  let i = 0;
  const push = (code: boolean, end: number) => {
    if (end > start) out.push({ code, text: source.slice(start, end) });
    start = end;
  };
  while (i < source.length) {
    const c = source[i];
    if (c === '-' && source[i + 1] === '-') {
      push(true, i);
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end;
      push(false, i);
    } else if (c === "'" || c === '"') {
      push(true, i);
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      i = j + 1;
      push(false, i);
    } else if (c === '[' && source[i + 1] === '[') {
      push(true, i);
      const end = source.indexOf(']]', i);
      i = end < 0 ? source.length : end + 2;
      push(false, i);
    } else {
      i += 1;
    }
  }
  push(true, source.length);
  return out;
}

/** Which characters of the source are code (not in a string or a comment). */
function codeMask(source: string): boolean[] {
  const mask: boolean[] = [];
  for (const { code, text } of segments(source)) for (let i = 0; i < text.length; i += 1) mask.push(code);
  return mask;
}

/** The end (exclusive) of the parenthesised argument list opening at `open` (parentheses in strings do not count). */
function closing(code: string, open: number, isCode: boolean[]): number {
  let depth = 0;
  for (let i = open; i < code.length; i += 1) {
    if (!isCode[i]) continue;
    if (code[i] === '(') depth += 1;
    if (code[i] === ')') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  throw new Error('unbalanced parentheses after a KEY builder');
}

/** `KEY.user(uid)` → `(P .. 'user:' .. (uid))`; `KEY.outbox()` → `(P .. 'outbox')`. */
function expandKeys(code: string, patterns: Record<string, string>): string {
  const isCode = codeMask(code);
  let out = '';
  let from = 0;
  const use = /\bKEY\.([A-Za-z]+)\(/g;
  for (let m = use.exec(code); m; m = use.exec(code)) {
    if (!isCode[m.index]) continue;
    const name = m[1] ?? '';
    const pattern = patterns[name];
    if (pattern === undefined) throw new Error(`the Redis contract declares no key ${name}`);
    const open = m.index + m[0].length - 1;
    const end = closing(code, open, isCode);
    const arg = code.slice(open + 1, end - 1).trim();
    const parts = /^([^<]*)<[A-Za-z]+>([^<]*)$/.exec(pattern);
    let built: string;
    if (!parts) {
      if (arg !== '') throw new Error(`key ${name} takes no value (KEY.${name}())`);
      built = `(P .. ${luaString(pattern)})`;
    } else {
      if (arg === '') throw new Error(`key ${name} is built from a value (KEY.${name}(id))`);
      const [, before = '', after = ''] = parts;
      built = `(P${before ? ` .. ${luaString(before)}` : ''} .. (${arg})${after ? ` .. ${luaString(after)}` : ''})`;
    }
    out += code.slice(from, m.index) + built;
    from = end;
    use.lastIndex = end;
  }
  return out + code.slice(from);
}

/**
 * The Redis contract's names in Lua, resolved when the scripts are loaded: a script writes
 * `t[TF.service]`, `STATUS.PENDING`, `PROTECTED.createUser`, `ipairs(SERVICES)`, `VOTE .. uid`
 * or `KEY.user(uid)`, and the loader puts the declared field, status, service, prefix or key
 * text in their place (`t['svc']`, `(P .. 'user:' .. (uid))`). The names cost a script
 * nothing when it runs (Redis re-runs a script's top level at every call: a table of builders
 * would be made again each time), and a name the contract does not declare fails the load.
 * SF, OF and SVF are the session, outbox entry and service fields; BUILTIN_GROUP the group of
 * every officer; VOTE_BYTE_1/2 the vote prefix's bytes; PASSKEY_PROOF the prefix of a vote's passkey assertion;
 * TOKEN_KEY_LENGTH the length of a token key before its id.
 */
export function expandContract(source: string, contract: RedisContract = REDIS_CONTRACT): string {
  const { vote, rejection, passkey } = contract.tokenFieldPrefixes;
  if (vote.length !== 2 || rejection.length !== 2) throw new Error('vote and rejection field prefixes are two bytes (scripts compare them byte by byte)');
  const tables: Record<string, { what: string; names: Record<string, string> }> = {
    TF: { what: 'token field', names: contract.tokenFields },
    SF: { what: 'session field', names: contract.sessionFields },
    OF: { what: 'outbox field', names: contract.outboxFields },
    SVF: { what: 'service field', names: contract.serviceFields },
    STATUS: { what: 'token status', names: Object.fromEntries(contract.statuses.map((s) => [s, s])) },
    PROTECTED: { what: 'protected command', names: contract.protectedCommands },
  };
  const tokenKeyPrefix = (contract.keyPatterns.token ?? '').replace(/<[A-Za-z]+>$/, '');
  const constants: Record<string, string> = {
    SERVICES: `({ ${contract.services.map(luaString).join(', ')} })`,
    VOTE: luaString(vote),
    REJECTION: luaString(rejection),
    PASSKEY_PROOF: luaString(passkey),
    BUILTIN_GROUP: luaString(contract.builtinGroup),
    VOTE_BYTE_1: String(vote.charCodeAt(0)),
    VOTE_BYTE_2: String(vote.charCodeAt(1)),
    TOKEN_KEY_LENGTH: `(#P + ${tokenKeyPrefix.length})`,
  };
  return segments(expandKeys(source, contract.keyPatterns))
    .map(({ code, text }) => {
      if (!code) return text;
      const out = text.replace(/\b(TF|SF|OF|SVF|STATUS|PROTECTED)\.([A-Za-z_][A-Za-z0-9_]*)/g, (_, table: string, name: string) => {
        const declared = tables[table];
        const value = declared?.names[name];
        if (value === undefined) throw new Error(`the Redis contract declares no ${declared?.what ?? table} ${name}`);
        return luaString(value);
      });
      return out.replace(/\b(SERVICES|BUILTIN_GROUP|VOTE_BYTE_1|VOTE_BYTE_2|VOTE|REJECTION|PASSKEY_PROOF|TOKEN_KEY_LENGTH)\b/g, (name: string) => constants[name] ?? name);
    })
    .join('');
}
