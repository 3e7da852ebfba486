import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Settings whose value is never repeated in a message. */
const SECRET = /PASSWORD|SECRET|TOKEN$|KEY$/;

/** What unsetting an optional setting (one without a default) does. */
const WHEN_UNSET: Record<string, string> = {
  REDIS_URL: 'to have quorumd start its own redis-server',
  QUORUM_ISSUER: 'to use the name generated at the first start',
  QUORUM_ADMIN_PASSWORD: 'for a random password, printed at the first start',
};

/** Patterns of the schema, in words. */
const PATTERN_WORDS: Record<string, string> = {
  '^rediss?(-sentinel|-cluster)?://': 'a URL starting with redis://, rediss://, redis-sentinel:// or redis-cluster://',
  '^[A-Za-z0-9_.:-]{1,64}$': '1 to 64 letters, digits or the characters _ . : -',
  '^[0-9]+$': 'a whole number',
  '^[0-9]$': 'a whole number from 0 to 9',
};

interface SettingSchema {
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  description?: string;
  anyOf?: SettingSchema[];
  const?: unknown;
  'x-min'?: number;
  'x-max'?: number;
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
function allowedValues(schema: TSchema): string {
  const s = schema as SettingSchema;
  if (s['x-min'] !== undefined && s['x-max'] !== undefined) return `a whole number from ${s['x-min']} to ${s['x-max']}`;
  const options = literals(s);
  if (options) return options.length === 2 && options.includes('true') && options.includes('false') ? 'true or false' : `one of ${options.join(', ')}`;
  if (s.pattern) return PATTERN_WORDS[s.pattern] ?? `text matching ${s.pattern}`;
  if (s.minLength !== undefined && s.maxLength !== undefined) return `${s.minLength} to ${s.maxLength} characters long`;
  if (s.minLength !== undefined) return `at least ${s.minLength} character${s.minLength === 1 ? '' : 's'} long`;
  return s.description ?? 'a valid value';
}

function shown(name: string, value: string): string {
  return SECRET.test(name) ? `${value.length} characters` : JSON.stringify(value);
}

/** One setting's problem, in one sentence: the name, what it accepts, what it got, and what to do. */
export function settingMessage(name: string, schema: TSchema, value: string): string {
  const fallback = (schema as SettingSchema).default;
  const todo = fallback !== undefined ? `fix it, or unset it for the default (${String(fallback)})` : `fix it, or unset it${WHEN_UNSET[name] ? ` ${WHEN_UNSET[name]}` : ''}`;
  return `${name} must be ${allowedValues(schema)} (got ${shown(name, value)}); ${todo}`;
}

/** The settings given whose value their schema refuses (numbers also out of their range). */
export function invalidSettings(properties: Record<string, TSchema>, given: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, schema] of Object.entries(properties)) {
    const value = given[name];
    if (value === undefined) continue;
    const s = schema as SettingSchema;
    const number = Number(value);
    const outOfRange = s['x-min'] !== undefined && s['x-max'] !== undefined && (!Number.isSafeInteger(number) || number < s['x-min'] || number > s['x-max']);
    if (outOfRange || !Value.Check(schema, value)) problems.push(settingMessage(name, schema, value));
  }
  return problems;
}

/** All problems in one line: the first in full, then the names of the others. */
export function invalidSettingsLine(problems: string[]): string {
  const [first, ...others] = problems;
  if (others.length === 0) return first ?? '';
  return `${first}. Also invalid: ${others.map((p) => p.slice(0, p.indexOf(' '))).join(', ')}`;
}
