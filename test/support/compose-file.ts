import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  restart?: string;
  stop_grace_period?: string;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const ROOT = join(__dirname, '..', '..');

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compose's merge of an override file, as far as these files need it: maps merge key by key, anything else is replaced. */
function merge(base: unknown, override: unknown): unknown {
  if (!isMap(base) || !isMap(override)) return override;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = key in base ? merge(base[key], value) : value;
  return merged;
}

/** The compose files of the repository, each later one merged over the ones before (`docker compose -f a -f b`). */
export function composeFiles(...names: string[]): ComposeFile {
  let result: unknown = {};
  // merge: true reads `<<:` keys; the anchors (`*sentinel`) resolve as compose resolves them.
  for (const name of names) result = merge(result, parse(readFileSync(join(ROOT, name), 'utf8'), { merge: true }));
  const file = result as ComposeFile;
  for (const service of Object.values(file.services)) {
    // `environment:` values are strings to quorumd; YAML may have read some as numbers.
    if (service.environment) service.environment = Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, String(v)]));
  }
  return file;
}

/** `${NAME:-default}` and `${NAME:?message}` as compose interpolates them from `vars`. */
export function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind: string | undefined, rest: string | undefined) => {
    const given = vars[name];
    if (given !== undefined && given !== '') return given;
    if (kind === '?') throw new Error(`${name}: ${rest ?? 'required'}`);
    return kind === '-' ? (rest ?? '') : '';
  });
}

/** The services in the waves compose starts them in: each wave once the ones it depends on are up (healthy, or done). */
export function startWaves(file: ComposeFile): string[][] {
  const waves: string[][] = [];
  const started = new Set<string>();
  const names = Object.keys(file.services);
  while (started.size < names.length) {
    const wave = names.filter((name) => !started.has(name) && Object.keys(file.services[name]!.depends_on ?? {}).every((dep) => started.has(dep)));
    if (wave.length === 0) throw new Error(`a depends_on circle among ${names.filter((n) => !started.has(n)).join(', ')}`);
    for (const name of wave) started.add(name);
    waves.push(wave);
  }
  return waves;
}

/** A compose duration (`2s`, `1m30s`) in ms. */
export function durationMs(text: string): number {
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g)) ms += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  return ms;
}
