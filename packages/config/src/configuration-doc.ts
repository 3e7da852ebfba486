import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from './config';
import { allowedValues, type SettingSchema } from './setting-messages';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function defaultOf(schema: SettingSchema): string {
  if (schema.default === undefined) return schema['x-unset'] ? `unset: ${schema['x-unset']}` : 'unset';
  return schema.default === '' ? 'empty' : `\`${String(schema.default)}\``;
}

/** docs/configuration.md, generated from ConfigSchema: every variable, its default, what it accepts, what it means. */
export function configurationDoc(): string {
  const rows = Object.entries(ConfigSchema.properties as Record<string, TSchema>).map(([name, schema]) => {
    const s = schema as SettingSchema;
    return `| \`${name}\` | ${cell(defaultOf(s))} | ${cell(allowedValues(schema))} | ${cell(s.description ?? '')} |`;
  });
  return [
    '# Configuration',
    '',
    '<!-- Generated from packages/config/src/config.ts by `npm run docs:config`; a test fails when it is stale. -->',
    '',
    'quorumd (the API, the worker and `npm run audit:verify`) reads these environment variables once, at',
    'start-up. A wrong value stops the start with one line naming the variable, what it accepts in',
    'words, what it got (never a password) and what to do, e.g.',
    '`quorumd: QUORUM_REQUESTER_MAY_APPROVE must be true or false (got "yes"); fix it, or unset it for the default (true)`.',
    'A value must read back exactly as written: `80.5`, `1e3`, `080` or `TRUE` are refused, not rounded or guessed.',
    'An empty value counts as unset.',
    '',
    '| variable | default | accepts | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
