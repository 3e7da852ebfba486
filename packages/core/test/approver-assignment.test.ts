import fc from 'fast-check';
import { assignApprovers, type PolicyRule } from '../src';

/** Whether some assignment fills every rule: every way of giving each approver one rule (or none), tried. */
function satisfiableByBruteForce(rules: PolicyRule[], approvers: number[], member: (id: number, group: string) => boolean): boolean {
  const choose = (i: number, left: number[]): boolean => {
    if (left.every((n) => n <= 0)) return true;
    if (i >= approvers.length) return false;
    if (choose(i + 1, left)) return true;
    return rules.some((rule, r) => (left[r] ?? 0) > 0 && member(approvers[i] as number, rule.group) && choose(i + 1, left.map((n, k) => (k === r ? n - 1 : n))));
  };
  return choose(0, rules.map((rule) => rule.m));
}

describe('assigning approvers to a policy\'s rules', () => {
  const groups: Record<string, number[]> = { sre: [1, 2, 3], security: [3, 4] };
  const member = (id: number, group: string) => (groups[group] ?? []).includes(id);
  const rules = [{ group: 'sre', m: 2 }, { group: 'security', m: 1 }];

  it('counts an officer in two groups for one rule only', () => {
    // 3 is in both: 3 and 1 fill sre:2 or security:1 with sre:1, never all three places.
    expect(assignApprovers(rules, [3, 1], member).satisfied).toBe(false);
    const carried = assignApprovers(rules, [3, 1, 2], member);
    expect(carried.satisfied).toBe(true);
    expect(carried.progress).toEqual([{ group: 'sre', m: 2, have: [1, 2] }, { group: 'security', m: 1, have: [3] }]);
  });

  it('finds the assignment an eager one would miss (3 first taken by sre, then moved to security)', () => {
    expect(assignApprovers(rules, [3, 2, 1], member)).toEqual({ satisfied: true, progress: [{ group: 'sre', m: 2, have: [1, 2] }, { group: 'security', m: 1, have: [3] }] });
  });

  it('never counts an approver twice, nor a non-member, nor the same approver listed twice', () => {
    expect(assignApprovers([{ group: 'sre', m: 2 }], [1, 1], member).satisfied).toBe(false);
    expect(assignApprovers([{ group: 'security', m: 1 }], [1, 2], member)).toEqual({ satisfied: false, progress: [{ group: 'security', m: 1, have: [] }] });
  });

  it('agrees with a brute-force search on random policies and groups', () => {
    const group = fc.constantFrom('a', 'b', 'c');
    fc.assert(
      fc.property(
        fc.array(fc.record({ group, m: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 3 }),
        fc.dictionary(group, fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 6 })),
        fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 6 }),
        (policy, members, approvers) => {
          const isMember = (id: number, g: string) => (members[g] ?? []).includes(id);
          const result = assignApprovers(policy, approvers, isMember);
          expect(result.satisfied).toBe(satisfiableByBruteForce(policy, approvers, isMember));
          // The assignment itself: distinct approvers, members of their rule's group, at most m each.
          const used = result.progress.flatMap((p) => p.have);
          expect(new Set(used).size).toBe(used.length);
          result.progress.forEach((p, r) => {
            expect(p.have.length).toBeLessThanOrEqual(policy[r]?.m ?? 0);
            for (const id of p.have) expect(isMember(id, p.group) && approvers.includes(id)).toBe(true);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
