/** One rule of a quorum policy: `m` distinct approvers who are members of `group`. */
export interface PolicyRule {
  group: string;
  m: number;
}

/** A rule's progress: the approvers assigned to it (at most its m, each assigned to one rule only). */
export interface RuleProgress {
  group: string;
  m: number;
  have: number[];
  /** A rule of the service's policy in force now, when it changed since the token was issued (a token view's progress lists them after the signed policy's). */
  current?: true;
}

export interface Assignment {
  /** Every rule has its m approvers, no approver counted for two rules. */
  satisfied: boolean;
  progress: RuleProgress[];
}

/**
 * Assigns approvers to the rules of a policy so that no approver counts twice: every rule
 * needs `m` distinct members of its group, and an approver in two groups fills one rule's
 * place, not one of each (a matching, not a sum). The assignment is a maximum one (as many
 * places filled as any could be), found by augmenting paths over the rules' places; approvers
 * are tried in ascending id order, so the same inputs always give the same assignment.
 * `isMember(userId, group)` answers membership as of now.
 */
export function assignApprovers(rules: readonly PolicyRule[], approvers: readonly number[], isMember: (userId: number, group: string) => boolean): Assignment {
  const ids = [...new Set(approvers)].sort((a, b) => a - b);
  // One place per approval a rule needs; place p belongs to rule owner[p].
  const owner: number[] = [];
  rules.forEach((rule, r) => {
    for (let i = 0; i < rule.m; i += 1) owner.push(r);
  });
  const fits = ids.map((id) => rules.map((rule) => isMember(id, rule.group)));
  const holder: (number | undefined)[] = owner.map(() => undefined);
  const place = (a: number, seen: boolean[]): boolean => {
    for (let p = 0; p < owner.length; p += 1) {
      if (seen[p] || !fits[a]?.[owner[p] as number]) continue;
      seen[p] = true;
      const current = holder[p];
      if (current === undefined || place(current, seen)) {
        holder[p] = a;
        return true;
      }
    }
    return false;
  };
  for (let a = 0; a < ids.length; a += 1) place(a, owner.map(() => false));
  const progress = rules.map((rule): RuleProgress => ({ group: rule.group, m: rule.m, have: [] }));
  holder.forEach((a, p) => {
    if (a !== undefined) progress[owner[p] as number]?.have.push(ids[a] as number);
  });
  for (const rule of progress) rule.have.sort((x, y) => x - y);
  return { satisfied: holder.every((a) => a !== undefined), progress };
}
