import { cloudHsmHints, type CloudHsmHints } from './cloudhsm-token-file';
import type { TokenDocument } from './token-codec';
import { rfc3339 } from './token-codec';
import type { SignatureAlg } from './signature';
import type { RuleProgress } from './approver-assignment';
import type { QuorumPolicy } from './quorum-policy';

/**
 * The lifecycle of a token (docs/token-format.md):
 *
 *   PENDING --(M valid approvals)--> APPROVED --(consumed by its operation)--> CONSUMED
 *      |  \--(rejections put M out of reach)--> REJECTED
 *      |--(expiresAt passes)--> EXPIRED        (also from APPROVED if never consumed)
 *      \--(deleted by requester or a CO)--> DELETED
 *
 * APPROVED goes back to PENDING when approvals stop counting (a CO deleted or re-keyed).
 * The Redis scripts apply these transitions atomically; this table is their specification
 * and what the tests hold them to.
 */
export const TOKEN_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'EXPIRED', 'CONSUMED', 'DELETED'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export const TRANSITIONS: Readonly<Record<TokenStatus, readonly TokenStatus[]>> = {
  PENDING: ['APPROVED', 'REJECTED', 'EXPIRED', 'DELETED'],
  APPROVED: ['CONSUMED', 'EXPIRED', 'DELETED', 'PENDING'],
  REJECTED: [],
  EXPIRED: [],
  CONSUMED: [],
  DELETED: [],
};

export function isTerminal(status: TokenStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

export function canTransition(from: TokenStatus, to: TokenStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** A CO's signed vote for a token, as read (its signature stays in the store; bundles read it). */
export interface StoredApproval {
  userId: number;
  /** The key the vote counts with ('' when it does not count). */
  fingerprint: string;
  alg: SignatureAlg;
  at: number;
  /** Whether the vote still counts: its CO exists and still holds the key that made it. */
  counts: boolean;
  /** The vote carries a verified passkey assertion. */
  passkey?: boolean;
}

export interface StoredRejection {
  userId: number;
  reason: string;
  at: number;
}

/** A token as read from the store. Times are epoch milliseconds. */
export interface TokenRecord {
  doc: TokenDocument;
  bytes: string;
  /** Its status now, as the store answers it: a passed expiry reads EXPIRED at once. */
  status: TokenStatus;
  /**
   * Approvals from distinct keys the token needs now: its own m, or more when the M its
   * operation requires was raised after it was issued (the store answers it). A CONSUMED
   * token answers the number its use was checked against: an M raised later does not change it.
   */
  required: number;
  expiresAt: number;
  approvedAt?: number;
  approvedUntil?: number;
  finishedAt?: number;
  callbackUrl?: string;
  /** For an AWS CloudHSM token: the approval data its approvers sign. */
  cloudhsmApprovalData?: Buffer;
  approvals: StoredApproval[];
  rejections: StoredRejection[];
  /** A custom service's token: its counting approvers assigned to the rules of its policy (the store's answer). */
  progress?: RuleProgress[];
  /** A break-glass token: the end of its time lock, and once APPROVED what carried it (the store's answer). */
  breakGlass?: { delayEndsAt: number; approvedBy?: 'breakGlass' | 'quorum'; reviewToken?: string };
  /** A review token: the break-glass token it reviews. */
  reviewOf?: string;
}

export interface TokenView {
  id: string;
  service: string;
  operation: TokenDocument['operation'];
  operationDigest: string;
  status: TokenStatus;
  /** The M when the token was issued (signed in its bytes). */
  m: number;
  /** Approvals it needs now: max(m, the M its operation requires now); a CONSUMED token: what its use was checked against. */
  required: number;
  approvals: { userId: number; fingerprint: string; alg: SignatureAlg; at: string; passkey?: true }[];
  rejections: { userId: number; reason: string; at: string }[];
  requester: TokenDocument['requester'];
  issuedAt: string;
  expiresAt: string;
  approvedExpiresAt?: string;
  issuer: string;
  /** An AWS CloudHSM token: the digest (the file's `token`) officers sign, and hints decoded from it. */
  cloudhsm?: { digest: string; hints: CloudHsmHints };
  /** A custom service's token: the policy signed into it, its version, and each rule's assigned approvers now. */
  policy?: QuorumPolicy;
  policyVersion?: number;
  progress?: RuleProgress[];
  reason?: string;
  ticket?: string;
  /** `breakGlass`: asked for on the emergency path (signed into the bytes). */
  path?: 'breakGlass';
  /** A break-glass token: when its time lock ends, what approved it, its review token once used. */
  breakGlass?: { delayEndsAt: string; approvedBy?: 'breakGlass' | 'quorum'; reviewToken?: string };
  /** A review token: the break-glass token it reviews. */
  reviewOf?: string;
}

/** The public view of a token: approvals listed are the ones that count. */
export function tokenView(record: TokenRecord): TokenView {
  const view: TokenView = {
    id: record.doc.id,
    service: record.doc.service,
    operation: record.doc.operation,
    operationDigest: record.doc.operationDigest,
    status: record.status,
    m: record.doc.m,
    required: record.required,
    approvals: record.approvals
      .filter((a) => a.counts)
      .map((a) => ({ userId: a.userId, fingerprint: a.fingerprint, alg: a.alg, at: rfc3339(a.at), ...(a.passkey ? { passkey: true as const } : {}) })),
    rejections: record.rejections.map((r) => ({ userId: r.userId, reason: r.reason, at: rfc3339(r.at) })),
    requester: record.doc.requester,
    issuedAt: record.doc.issuedAt,
    expiresAt: record.doc.expiresAt,
    issuer: record.doc.issuer,
  };
  if (record.approvedUntil !== undefined) view.approvedExpiresAt = rfc3339(record.approvedUntil);
  if (record.cloudhsmApprovalData) {
    view.cloudhsm = { digest: String(record.doc.operation.args.digest ?? ''), hints: cloudHsmHints(record.cloudhsmApprovalData) };
  }
  if (record.doc.policy) {
    view.policy = record.doc.policy;
    view.policyVersion = record.doc.policyVersion ?? 1;
    view.progress = record.progress ?? record.doc.policy.rules.map((rule) => ({ group: rule.group, m: rule.m, have: [] }));
  }
  if (record.doc.reason !== undefined) view.reason = record.doc.reason;
  if (record.doc.ticket !== undefined) view.ticket = record.doc.ticket;
  if (record.doc.path === 'breakGlass') view.path = 'breakGlass';
  if (record.breakGlass) {
    view.breakGlass = { delayEndsAt: rfc3339(record.breakGlass.delayEndsAt) };
    if (record.breakGlass.approvedBy) view.breakGlass.approvedBy = record.breakGlass.approvedBy;
    if (record.breakGlass.reviewToken) view.breakGlass.reviewToken = record.breakGlass.reviewToken;
  }
  if (record.reviewOf) view.reviewOf = record.reviewOf;
  return view;
}
