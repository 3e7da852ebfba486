import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import Redis from 'ioredis';
import { assignApprovers, type PolicyRule } from '@quorumd/core';
import { LUA_DIR } from '../src';
import { expandContract } from '../src/lua-contract';

/**
 * The scripts count approvals against a policy with lib/policies.lua's assign_approvers: it
 * must give the same answer, and the same assignment, as core's assignApprovers (no
 * approver counted for two rules), which is checked against a brute force of its own.
 */
describe('the Lua assignment of approvers to rules', () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  afterAll(() => redis.quit());
  const lib = (file: string) => readFileSync(join(LUA_DIR, 'lib', file), 'utf8');
  const script = expandContract([
    'local K = {}',
    lib('context.lua'),
    ...['audit-outbox.lua', 'tokens.lua', 'sessions.lua', 'counting.lua', 'policies.lua'].map(lib),
    // ARGV[5]: {rules, approvers, groups: name -> ids}; the groups stand in for the Redis sets.
    'local input = cjson.decode(ARGV[5])',
    'for name, ids in pairs(input.groups) do local set = {} for _, id in ipairs(ids) do set[tostring(id)] = true end group_override[name] = set end',
    'local ok, progress = assign_approvers(input.rules, input.approvers)',
    "return cjson.encode({ satisfied = ok, progress = progress })",
  ].join('\n'));
  async function luaAssign(rules: PolicyRule[], approvers: number[], groups: Record<string, number[]>) {
    const reply = (await redis.eval(script, 0, '{t}:', Date.now(), new Date().toISOString(), '"system"', JSON.stringify({ rules, approvers, groups }))) as string;
    const out = JSON.parse(reply) as { satisfied: boolean; progress: { group: string; m: number; have: number[] | Record<string, never> }[] };
    // (An empty list comes from Lua as {}.)
    return { satisfied: out.satisfied, progress: out.progress.map((r) => ({ group: r.group, m: r.m, have: Array.isArray(r.have) ? r.have : [] })) };
  }

  it('counts an officer in two groups for one rule only, and moves an early pick to fill every rule', async () => {
    const groups = { sre: [1, 2, 3], security: [3, 4] };
    const rules = [{ group: 'sre', m: 2 }, { group: 'security', m: 1 }];
    expect((await luaAssign(rules, [1, 3], groups)).satisfied).toBe(false);
    expect(await luaAssign(rules, [1, 2, 3], groups)).toEqual({ satisfied: true, progress: [{ group: 'sre', m: 2, have: [1, 2] }, { group: 'security', m: 1, have: [3] }] });
  });

  it('answers as assignApprovers does, for any rules, approvers and memberships (8 rules of m 8 at most)', async () => {
    const names = ['a', 'b', 'c', 'd'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ group: fc.constantFrom(...names), m: fc.integer({ min: 1, max: 8 }) }), { minLength: 1, maxLength: 8 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 24 }), { maxLength: 24 }),
        fc.dictionary(fc.constantFrom(...names), fc.uniqueArray(fc.integer({ min: 1, max: 24 }), { maxLength: 24 })),
        async (rules, approvers, groups) => {
          const sorted = [...approvers].sort((x, y) => x - y);
          const expected = assignApprovers(rules, sorted, (id, group) => (groups[group] ?? []).includes(id));
          expect(await luaAssign(rules, sorted, Object.fromEntries(names.map((n) => [n, groups[n] ?? []])))).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
