import { QuorumError } from './errors';
import { BUILTIN_GROUP, policyGroups, type QuorumPolicy } from './quorum-policy';

/**
 * Quorum services as in CloudHSM: each has its own M value. Any of the names or the
 * number is accepted on input; the canonical name is what is stored and signed.
 */
export const QUORUM_SERVICES = {
  USER_MGMT: { number: 3, aliases: ['USER_MGMT', 'USER', '3'] },
  QUORUM_MGMT: { number: 4, aliases: ['QUORUM_MGMT', 'MISC_CO', 'QUORUM', '4'] },
} as const;

export type QuorumService = keyof typeof QUORUM_SERVICES;
export const SERVICE_NAMES = Object.keys(QUORUM_SERVICES) as QuorumService[];

export const M_MIN = 1;
export const M_MAX = 8;

export function resolveService(input: string | number): QuorumService {
  const wanted = String(input).trim().toUpperCase();
  for (const name of SERVICE_NAMES) {
    if ((QUORUM_SERVICES[name].aliases as readonly string[]).includes(wanted)) return name;
  }
  throw new QuorumError('RET_SERVICE_UNKNOWN', `Unknown quorum service: ${String(input).slice(0, 40)}`);
}

export function serviceNumber(service: QuorumService): number {
  return QUORUM_SERVICES[service].number;
}

export function checkMValue(m: unknown): number {
  if (typeof m !== 'number' || !Number.isInteger(m) || m < M_MIN || m > M_MAX) {
    throw new QuorumError('RET_M_VALUE_OUT_OF_RANGE');
  }
  return m;
}

/**
 * The services whose M an operation requires. Its own service's; for setMValue also the
 * target service's, so no quorum is changed with fewer approvals than it demands; and
 * every service's for what hands out or takes away approving power beyond one service —
 * a new crypto officer, another officer's password, anything forced past the lock-out
 * guard, a custom policy naming `officers` (it then governs every officer) — since an
 * officer account is what every quorum counts.
 */
export function governingServices(
  service: QuorumService,
  operation: { command: string; args: Record<string, unknown> },
  context: { targetIsOfficer?: boolean } = {},
): QuorumService[] {
  const args = operation.args;
  const everyService =
    args.force === true ||
    (operation.command === 'createUser' && args.type === 'CO') ||
    (operation.command === 'changePswd' && context.targetIsOfficer === true) ||
    // A policy naming `officers` governs every officer (their password resets, forced deletions, the lock-out guard).
    (operation.command === 'setPolicy' && typeof args.policy === 'object' && args.policy !== null && policyGroups(args.policy as QuorumPolicy).includes(BUILTIN_GROUP));
  if (everyService) return [...SERVICE_NAMES];
  if (operation.command === 'setMValue' && typeof args.service === 'string') {
    const target = resolveService(args.service);
    return target === service ? [service] : [service, target];
  }
  return [service];
}

/**
 * The token's own m, signed into its bytes at issue: the largest M of the services that
 * govern its operation. (What a token needs later, when an M was raised after it was
 * issued, is the store's answer: max(this m, the M required then).)
 */
export function requiredApprovals(governing: readonly QuorumService[], mValues: Record<QuorumService, number>): number {
  return Math.max(...governing.map((s) => mValues[s]));
}
