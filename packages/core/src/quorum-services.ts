import { QuorumError } from './errors';

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
 * The token's own m, signed into its bytes at issue. A setMValue token needs the larger
 * of the quorum service's M and the target service's M, so no quorum is lowered with
 * fewer approvals than it demands. (What a token needs later, when an M was raised after
 * it was issued, is the store's answer: max(this m, the M required then).)
 */
export function requiredApprovals(
  service: QuorumService,
  operation: { command: string; args: Record<string, unknown> },
  mValues: Record<QuorumService, number>,
): number {
  const own = mValues[service];
  if (operation.command === 'setMValue' && typeof operation.args.service === 'string') {
    const target = resolveService(operation.args.service);
    return Math.max(mValues.QUORUM_MGMT, own, mValues[target]);
  }
  return own;
}
