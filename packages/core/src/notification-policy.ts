import { QuorumError } from './errors';

/** When, as fractions of a token's time to approve, the officers who have not decided are reminded (a policy's `reminders`). */
export const DEFAULT_REMINDERS: readonly number[] = [0.5, 0.9];
const MAX_REMINDERS = 4;

/** A policy's `escalation`: the group told when a token is still short of its rules `afterSeconds` after issue. */
export interface PolicyEscalation {
  afterSeconds: number;
  group: string;
}

function refuse(message: string): never {
  throw new QuorumError('RET_BAD_REQUEST', `policy: ${message}`);
}

/** `reminders`: at most 4 fractions strictly between 0 and 1, ascending, none twice ([] turns reminders off). */
export function parseReminders(value: unknown): number[] {
  if (!Array.isArray(value) || value.length > MAX_REMINDERS) refuse(`reminders must be a list of at most ${MAX_REMINDERS} fractions of the token's time (e.g. [0.5, 0.9])`);
  const list = value.map((f: unknown) => {
    if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0 || f >= 1) refuse('reminders must hold fractions above 0 and below 1');
    // Whole per cent: a reminder's delivery id names its step (s50, s90).
    if (Math.round(f * 100) / 100 !== f) refuse('reminders must be whole per cent (0.5, 0.75, 0.9)');
    return f;
  });
  for (let i = 1; i < list.length; i += 1) if ((list[i] as number) <= (list[i - 1] as number)) refuse('reminders must be ascending, none twice');
  return list;
}

/** `escalation`: {"afterSeconds": 1..86400, "group": a group name}. */
export function parseEscalation(value: unknown, groupName: RegExp, maxSeconds: number): PolicyEscalation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse('escalation must be {"afterSeconds", "group"}');
  const { afterSeconds, group, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) refuse('escalation must be {"afterSeconds", "group"}');
  if (typeof afterSeconds !== 'number' || !Number.isInteger(afterSeconds) || afterSeconds < 1 || afterSeconds > maxSeconds) refuse(`escalation.afterSeconds must be a whole number from 1 to ${maxSeconds}`);
  if (typeof group !== 'string' || !groupName.test(group)) refuse(`escalation.group is not a group name (${groupName.source})`);
  return { afterSeconds, group };
}
