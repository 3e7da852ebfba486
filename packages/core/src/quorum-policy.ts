import { canonicalJson } from './canonical-json';
import { QuorumError } from './errors';
import type { PolicyRule } from './approver-assignment';
import { parseEscalation, parseReminders, type PolicyEscalation } from './notification-policy';

/** A group of crypto officers: `officers` is every CO (built in, not editable). */
export const GROUP_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
export const BUILTIN_GROUP = 'officers';
/** A quorum service's name (USER_MGMT, QUORUM_MGMT, or an operator's, e.g. DEPLOY_PROD). */
export const SERVICE_NAME = /^[A-Z][A-Z0-9_]{1,31}$/;

const COMMAND = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
export const POLICY_LIMITS = { rules: 8, m: 8, vetoGroups: 8, commands: 32, ttlSeconds: 86400, reviewSeconds: 30 * 86400 } as const;

/**
 * A service's emergency path (docs/policies.md, Break-glass): `m` members of `group` approve
 * a token asked for with `breakGlass: true`, which is APPROVED once `delaySeconds` passed
 * since its issue with no veto; its use must be reviewed within `reviewWithinSeconds`.
 */
export interface BreakGlassRule {
  group: string;
  m: number;
  delaySeconds: number;
  reviewWithinSeconds: number;
}

/**
 * A service's quorum policy: every rule must hold (AND), no approver counted for two rules
 * (see assignApprovers). Signed, as canonical JSON with its version, into every token's bytes.
 */
export interface QuorumPolicy {
  rules: PolicyRule[];
  /** Whether the requester's own approval counts (absent: the deployment's setting). */
  requesterMayApprove?: boolean;
  /** A rejection by a member of one of these groups ends the token at once. */
  vetoGroups?: string[];
  /** The operation commands the service may be asked for (absent: any). */
  commands?: string[];
  tokenTtlSeconds?: number;
  approvedTimeoutSeconds?: number;
  /** A token request must say why (`reason`). */
  requireReason?: boolean;
  /** Every approval must carry a passkey (WebAuthn) assertion over the token bytes (docs/passkeys.md). */
  requirePasskey?: boolean;
  /** Fractions of a token's time at which undecided officers are reminded (absent: DEFAULT_REMINDERS; []: none). */
  reminders?: number[];
  /** Who is told when a token is still short of its rules some time after issue. */
  escalation?: PolicyEscalation;
  /** The emergency path (absent: none). */
  breakGlass?: BreakGlassRule;
}

const FIELDS = ['rules', 'requesterMayApprove', 'vetoGroups', 'commands', 'tokenTtlSeconds', 'approvedTimeoutSeconds', 'requireReason', 'requirePasskey', 'reminders', 'escalation', 'breakGlass'];
const BREAK_GLASS_FIELDS = ['group', 'm', 'delaySeconds', 'reviewWithinSeconds'];

function refuse(message: string): never {
  throw new QuorumError('RET_BAD_REQUEST', `policy: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) refuse(`${what} must be a whole number from ${min} to ${max}`);
  return value;
}

function names(value: unknown, what: string, pattern: RegExp, max: number): string[] {
  if (!Array.isArray(value) || value.length > max) refuse(`${what} must be a list of at most ${max} names`);
  const list = value.map((item: unknown) => {
    if (typeof item !== 'string' || !pattern.test(item)) refuse(`${what} holds ${JSON.stringify(item).slice(0, 40)}, which is not a valid name`);
    return item;
  });
  if (new Set(list).size !== list.length) refuse(`${what} names one twice`);
  return list;
}

/** Reads a policy as sent (JSON), refusing anything it does not define: a clear RET_BAD_REQUEST per mistake. */
export function parsePolicy(input: unknown): QuorumPolicy {
  if (!isObject(input)) refuse('must be an object');
  const unknown = Object.keys(input).filter((field) => !FIELDS.includes(field));
  if (unknown.length > 0) refuse(`unknown field ${unknown.map((f) => JSON.stringify(f.slice(0, 40))).join(', ')}`);
  const { rules } = input;
  if (!Array.isArray(rules) || rules.length < 1 || rules.length > POLICY_LIMITS.rules) refuse(`rules must be a list of 1 to ${POLICY_LIMITS.rules} rules`);
  const policy: QuorumPolicy = {
    rules: rules.map((rule: unknown, i): PolicyRule => {
      if (!isObject(rule) || Object.keys(rule).some((k) => k !== 'group' && k !== 'm')) refuse(`rules[${i}] must be {"group", "m"}`);
      if (typeof rule.group !== 'string' || !GROUP_NAME.test(rule.group)) refuse(`rules[${i}].group is not a group name (${GROUP_NAME.source})`);
      return { group: rule.group, m: count(rule.m, `rules[${i}].m`, 1, POLICY_LIMITS.m) };
    }),
  };
  if (input.requesterMayApprove !== undefined) {
    if (typeof input.requesterMayApprove !== 'boolean') refuse('requesterMayApprove must be true or false');
    policy.requesterMayApprove = input.requesterMayApprove;
  }
  if (input.vetoGroups !== undefined) policy.vetoGroups = names(input.vetoGroups, 'vetoGroups', GROUP_NAME, POLICY_LIMITS.vetoGroups);
  if (input.commands !== undefined) policy.commands = names(input.commands, 'commands', COMMAND, POLICY_LIMITS.commands);
  if (input.tokenTtlSeconds !== undefined) policy.tokenTtlSeconds = count(input.tokenTtlSeconds, 'tokenTtlSeconds', 1, POLICY_LIMITS.ttlSeconds);
  if (input.approvedTimeoutSeconds !== undefined) policy.approvedTimeoutSeconds = count(input.approvedTimeoutSeconds, 'approvedTimeoutSeconds', 1, POLICY_LIMITS.ttlSeconds);
  if (input.requireReason !== undefined) {
    if (typeof input.requireReason !== 'boolean') refuse('requireReason must be true or false');
    policy.requireReason = input.requireReason;
  }
  if (input.requirePasskey !== undefined) {
    if (typeof input.requirePasskey !== 'boolean') refuse('requirePasskey must be true or false');
    policy.requirePasskey = input.requirePasskey;
  }
  if (input.reminders !== undefined) policy.reminders = parseReminders(input.reminders);
  if (input.escalation !== undefined) policy.escalation = parseEscalation(input.escalation, GROUP_NAME, POLICY_LIMITS.ttlSeconds);
  if (input.breakGlass !== undefined) policy.breakGlass = parseBreakGlass(input.breakGlass);
  return policy;
}

function parseBreakGlass(input: unknown): BreakGlassRule {
  if (!isObject(input) || Object.keys(input).some((k) => !BREAK_GLASS_FIELDS.includes(k))) refuse('breakGlass must be {"group", "m", "delaySeconds", "reviewWithinSeconds"}');
  if (typeof input.group !== 'string' || !GROUP_NAME.test(input.group)) refuse(`breakGlass.group is not a group name (${GROUP_NAME.source})`);
  return {
    group: input.group,
    m: count(input.m, 'breakGlass.m', 1, POLICY_LIMITS.m),
    delaySeconds: count(input.delaySeconds, 'breakGlass.delaySeconds', 1, POLICY_LIMITS.ttlSeconds),
    reviewWithinSeconds: count(input.reviewWithinSeconds, 'breakGlass.reviewWithinSeconds', 1, POLICY_LIMITS.reviewSeconds),
  };
}

/** The policy's canonical JSON (RFC 8785): what is stored, versioned and signed into token bytes. */
export function canonicalPolicy(policy: QuorumPolicy): string {
  return canonicalJson(policy);
}

/** A built-in service's policy: m of every crypto officer, as CloudHSM's M. */
export function builtinPolicy(m: number): QuorumPolicy {
  return { rules: [{ group: BUILTIN_GROUP, m }] };
}

/** The fewest distinct approvers a policy needs: the sum of its rules' m (no one counts twice). */
export function policySize(policy: QuorumPolicy): number {
  return policy.rules.reduce((sum, rule) => sum + rule.m, 0);
}

/** The groups a policy names: its rules', its veto groups and its break-glass group. */
export function policyGroups(policy: QuorumPolicy): string[] {
  return [...new Set([...policy.rules.map((r) => r.group), ...(policy.vetoGroups ?? []), ...(policy.breakGlass ? [policy.breakGlass.group] : [])])];
}
