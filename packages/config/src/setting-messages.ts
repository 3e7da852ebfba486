import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Settings whose value is never repeated in a message. */
const SECRET = /PASSWORD|SECRET|TOKEN$|KEY$/;

/** Patterns of the schema, in words. */
const PATTERN_WORDS: Record<string, string> = {
  '^rediss?(-sentinel|-cluster)?://': 'a URL starting with redis://, rediss://, redis-sentinel:// or redis-cluster://',
  '^[A-Za-z0-9_.:-]{1,64}$': '1 to 64 letters, digits or the characters _ . : -',
};

/** The parts of a setting's schema this module reads. */
export interface SettingSchema {
  type?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
  anyOf?: SettingSchema[];
  const?: unknown;
  /** What leaving an optional setting unset does. */
  'x-unset'?: string;
}

function literals(schema: SettingSchema): string[] | undefined {
  if (schema.const !== undefined) return [String(schema.const)];
  if (!schema.anyOf) return undefined;
  const all: string[] = [];
  for (const option of schema.anyOf) {
    const inner = literals(option);
    if (!inner) return undefined;
    all.push(...inner);
  }
  return all;
}

/** What a setting accepts, in words: "a whole number from 1 to 100", "true or false", ... */
export function allowedValues(schema: TSchema): string {
  const s = schema as SettingSchema;
  if (s.type === 'integer') return `a whole number from ${s.minimum ?? 0} to ${s.maximum ?? Number.MAX_SAFE_INTEGER}`;
  if (s.type === 'boolean') return 'true or false';
  const options = literals(s);
  if (options) return `one of ${options.join(', ')}`;
  if (s.pattern) return PATTERN_WORDS[s.pattern] ?? `text matching ${s.pattern}`;
  if (s.minLength !== undefined && s.maxLength !== undefined) return `${s.minLength} to ${s.maxLength} characters long`;
  if (s.minLength !== undefined) return `at least ${s.minLength} character${s.minLength === 1 ? '' : 's'} long`;
  return 'any text';
}

function shown(name: string, value: string): string {
  return SECRET.test(name) ? `${value.length} characters` : JSON.stringify(value);
}

/** One setting's problem, in one sentence: the name, what it accepts, what it got, and what to do. */
function settingMessage(name: string, schema: TSchema, value: string): string {
  const s = schema as SettingSchema;
  const todo = s.default !== undefined ? `fix it, or unset it for the default (${String(s.default)})` : `fix it, or unset it${s['x-unset'] ? `: then ${s['x-unset']}` : ''}`;
  return `${name} must be ${allowedValues(schema)} (got ${shown(name, value)}); ${todo}`;
}

/**
 * The settings given whose text their schema refuses. A value is converted to the setting's
 * type, checked, and must read back as exactly the text given: "80.5", "1e3", "080" or "TRUE"
 * are refused rather than read as 80, 1, 80 or true.
 */
export function invalidSettings(properties: Record<string, TSchema>, given: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, schema] of Object.entries(properties)) {
    const value = given[name];
    if (value === undefined) continue;
    const converted: unknown = Value.Convert(schema, value);
    if (!Value.Check(schema, converted) || String(converted) !== value) problems.push(settingMessage(name, schema, value));
  }
  return problems;
}

/** All problems in one line: the first in full, then the names of the others. */
export function invalidSettingsLine(problems: string[]): string {
  const [first, ...others] = problems;
  if (others.length === 0) return first ?? '';
  return `${first}. Also invalid: ${others.map((p) => p.slice(0, p.indexOf(' '))).join(', ')}`;
}
