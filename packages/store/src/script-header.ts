import { KEY_PATTERNS } from './redis-contract';

/**
 * A script's header, one line each: `-- KEYS:` the keys it is handed, by name; `-- ARGV:` its
 * arguments after the common four, by name (`...name` for the rest); `-- Reaches:` the keys
 * it builds itself from what it reads (KEY.<name>(...), directly or through the includes it
 * calls), by name, or `nothing`, then ` — ` and why; `-- Returns:` what it answers.
 */
export interface ScriptHeader {
  keys: string[];
  args: string[] | undefined;
  reaches: string[];
  returns: string;
}

function line(text: string, label: string): string | undefined {
  const found = new RegExp(`^-- ${label}:(.*)$`, 'm').exec(text);
  return found ? (found[1] ?? '').trim() : undefined;
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

export function readHeader(file: string, text: string): ScriptHeader {
  const keys = line(text, 'KEYS');
  const reaches = line(text, 'Reaches');
  const returns = line(text, 'Returns');
  if (keys === undefined) throw new Error(`Lua script ${file} has no "-- KEYS:" line`);
  if (reaches === undefined) throw new Error(`Lua script ${file} has no "-- Reaches:" line (the keys it builds itself, or "nothing")`);
  if (returns === undefined) throw new Error(`Lua script ${file} has no "-- Returns:" line`);
  const args = line(text, 'ARGV');
  const reached = words(reaches.split(' — ')[0] ?? '');
  return { keys: words(keys), args: args === undefined ? undefined : words(args), reaches: reached.length === 1 && reached[0] === 'nothing' ? [] : reached, returns };
}

/** The keys a piece of Lua builds with the generated KEY builders, and the include functions it calls. */
function uses(code: string, functions: ReadonlySet<string>): { keys: Set<string>; calls: Set<string> } {
  const uncommented = code.replace(/--.*$/gm, '');
  const keys = new Set([...uncommented.matchAll(/\bKEY\.([A-Za-z]+)\(/g)].map((m) => m[1] ?? ''));
  const calls = new Set([...uncommented.matchAll(/\b([a-z_][a-z0-9_]*)\(/g)].map((m) => m[1] ?? '').filter((name) => functions.has(name)));
  return { keys, calls };
}

/** Each include function's body (from `local function name(` to the next top-level one). */
function includeFunctions(library: string): Map<string, string> {
  const bodies = new Map<string, string>();
  const starts = [...library.matchAll(/^local function ([a-z_][a-z0-9_]*)\(/gm)];
  starts.forEach((match, i) => {
    const end = starts[i + 1]?.index ?? library.length;
    bodies.set(match[1] ?? '', library.slice(match.index, end));
  });
  return bodies;
}

/**
 * The library as a script runs it: every top-level statement of the includes but the
 * functions the script never calls, directly or through another. Redis runs a script's top
 * level at every call, so each function defined there is a closure made again each time:
 * a read that needs 10 of the 60 include functions should not pay for 60.
 */
export function libraryFor(text: string, library: string): string {
  const bodies = includeFunctions(library);
  const names = new Set(bodies.keys());
  const needed = new Set<string>();
  const visit = (code: string) => {
    for (const call of uses(code, names).calls) {
      if (needed.has(call)) continue;
      needed.add(call);
      visit(bodies.get(call) ?? '');
    }
  };
  visit(text);
  const chunks: string[] = [];
  const lines = library.split('\n');
  let current: string[] = [];
  for (const line of lines) {
    if (line.startsWith('local ') && current.length > 0) {
      chunks.push(current.join('\n'));
      current = [];
    }
    current.push(line);
  }
  chunks.push(current.join('\n'));
  return chunks
    .filter((chunk) => {
      const fn = /^local function ([a-z_][a-z0-9_]*)\(/.exec(chunk);
      return !fn || needed.has(fn[1] ?? '');
    })
    .join('\n');
}

/** Checks a script's Reaches line against the keys it and the include functions it calls build. */
export function checkReaches(file: string, text: string, header: ScriptHeader, library: string): void {
  const bodies = includeFunctions(library);
  const names = new Set(bodies.keys());
  const reached = new Set<string>();
  const seen = new Set<string>();
  const visit = (code: string) => {
    const found = uses(code, names);
    for (const key of found.keys) reached.add(key);
    for (const call of found.calls) {
      if (seen.has(call)) continue;
      seen.add(call);
      visit(bodies.get(call) ?? '');
    }
  };
  visit(text);
  const unknown = header.reaches.filter((name) => !(name in KEY_PATTERNS));
  if (unknown.length > 0) throw new Error(`Lua script ${file} names unknown keys on its Reaches line: ${unknown.join(', ')}`);
  const unsaid = [...reached].filter((name) => !header.reaches.includes(name)).sort();
  const unused = header.reaches.filter((name) => !reached.has(name));
  if (unsaid.length > 0 || unused.length > 0) {
    throw new Error(`Lua script ${file}: its Reaches line must name exactly the keys it builds (${[...reached].sort().join(' ') || 'nothing'})${unsaid.length ? `; unsaid: ${unsaid.join(' ')}` : ''}${unused.length ? `; never built: ${unused.join(' ')}` : ''}`);
  }
}

/** A script's `-- ARGV:` line must list the names the TypeScript side passes (SCRIPT_ARGS), in order. */
export function checkArgs(file: string, name: string, declared: readonly string[] | undefined, args: string[] | undefined): void {
  if (declared === undefined && args === undefined) return;
  if (declared === undefined) throw new Error(`Lua script ${file} has an "-- ARGV:" line but SCRIPT_ARGS has no ${name}`);
  if (args === undefined) throw new Error(`Lua script ${file} has no "-- ARGV:" line (SCRIPT_ARGS: ${declared.join(' ')})`);
  if (args.join(' ') !== declared.join(' ')) throw new Error(`Lua script ${file} takes "${args.join(' ')}" but SCRIPT_ARGS.${name} passes "${declared.join(' ')}"`);
}
