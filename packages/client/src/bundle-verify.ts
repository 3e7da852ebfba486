import { decodeSignature, passkeyChallenge, passkeyProofProblem, parseQuorumPublicKey, parseTokenBytes, toKeyObject, verifySignature, type Operation, type QuorumPolicy, type SignatureAlg, type TokenDocument } from '@quorumd/core';
import type { Bundle } from './quorum-client';

export type BundleVerdict =
  | {
      ok: true;
      tokenId: string;
      approvals: number;
      m: number;
      /** What the signed token bytes say: the deployment that issued it, its service and operation. */
      issuer: string;
      service: string;
      operation: Operation;
      /** Fingerprints of the keys whose approvals counted. */
      signers: string[];
      /** Whether only `trusted` keys counted; without them the bundle's own keys did, which anyone can make. */
      pinned: boolean;
      /** `breakGlass` when the token was asked for on the emergency path (its bytes say so), and then what approved it. */
      path: 'breakGlass' | 'normal';
      approvedBy?: 'breakGlass' | 'quorum';
    }
  | { ok: false; reason: string };

/** What the caller requires of the bundle beyond its own rules. */
export interface BundleRequirements {
  /** The deployment (issuer) the token must come from. */
  issuer?: string;
  /** The least `m` the token itself must carry. */
  minM?: number;
  /** The RP ID and origin passkey assertions must name (default: the bundle's `webauthn`, the deployment's word). */
  rpId?: string;
  origin?: string;
  /** Accept a token asked for on the break-glass path (refused otherwise, even when its quorum approved it). */
  allowBreakGlass?: boolean;
}

/**
 * An approval's passkey assertion (docs/passkeys.md): over SHA-256 of these token bytes,
 * `webauthn.get`, on the expected origin and RP ID, user verified, signed by the credential.
 * A token whose signed policy requires passkeys needs one on every approval that counts.
 */
function passkeyProblem(bundle: Bundle, approval: Bundle['approvals'][number], bytes: Buffer, doc: TokenDocument, required: BundleRequirements): string | undefined {
  const proof = approval.passkey;
  if (!proof) return doc.policy?.requirePasskey === true ? `approval of user ${approval.userId}: the signed policy requires a passkey assertion, and it carries none` : undefined;
  const rpId = required.rpId ?? bundle.webauthn?.rpId;
  const origin = required.origin ?? bundle.webauthn?.origin;
  if (rpId === undefined || origin === undefined) return `approval of user ${approval.userId}: a passkey assertion, but no RP ID and origin to check it against`;
  const problem = passkeyProofProblem(proof, { challenge: passkeyChallenge(bytes), rpId, origin });
  return problem ? `approval of user ${approval.userId}: passkey: ${problem}` : undefined;
}

/**
 * A break-glass token approved on its break-glass path: `m` members of the signed policy's
 * break-glass group approved (approvals that verified; their groups as the bundle says, the
 * server's word). Its time lock and the absence of a veto are the server's word: the audit log has them.
 */
function breakGlassProblem(policy: QuorumPolicy, bundle: Bundle, signed: Set<number>): string | undefined {
  const rule = policy.breakGlass;
  if (!rule) return 'the token says break-glass, but the policy signed into it has no break-glass path';
  const members = [...signed].filter((userId) => !bundle.approverGroups || (bundle.approverGroups[String(userId)] ?? []).includes(rule.group));
  if (members.length < rule.m) return `break-glass group ${rule.group}: ${members.length} of ${rule.m} approvals`;
  return undefined;
}

/** The bundle's unsigned fields that restate the token bytes must say what they say. */
function restatementMismatch(bundle: Bundle, doc: TokenDocument): string | undefined {
  if (bundle.tokenId !== undefined && bundle.tokenId !== doc.id) return `the bundle names token ${bundle.tokenId}, its signed bytes token ${doc.id}`;
  if (bundle.issuer !== undefined && bundle.issuer !== doc.issuer) return `the bundle names issuer ${JSON.stringify(bundle.issuer)}, its signed bytes ${JSON.stringify(doc.issuer)}`;
  if (bundle.m !== undefined && bundle.m !== doc.m) return `the bundle names m ${bundle.m}, its signed bytes m ${doc.m}`;
  return undefined;
}

/**
 * A custom service's token (its bytes carry a policy): the bundle's assignment must fill every
 * rule of that policy with `m` distinct approvers whose approvals verified, no approver in two
 * rules, and (when the bundle says each approver's groups) each one a member of its rule's group.
 */
function assignmentProblem(policy: QuorumPolicy, bundle: Bundle, signed: Set<number>): string | undefined {
  const { assignment, approverGroups } = bundle;
  if (!assignment) return 'the bundle does not show how its approvals fill the rules of the policy signed into it';
  if (assignment.length !== policy.rules.length) return `the bundle's assignment has ${assignment.length} rules, the signed policy ${policy.rules.length}`;
  const placed = new Set<number>();
  for (const [i, rule] of policy.rules.entries()) {
    const given = assignment[i];
    if (!given || given.group !== rule.group || given.m !== rule.m) return `rule ${i + 1} of the bundle's assignment is not the signed policy's ${rule.group}:${rule.m}`;
    const have = new Set(given.have);
    if (have.size !== given.have.length) return `rule ${rule.group} counts an approver twice`;
    if (have.size < rule.m) return `rule ${rule.group}: ${have.size} of ${rule.m} approvals`;
    for (const userId of have) {
      if (placed.has(userId)) return `user ${userId} is counted for two rules`;
      placed.add(userId);
      if (!signed.has(userId)) return `user ${userId}, counted for rule ${rule.group}, has no approval that verified`;
      if (approverGroups && !(approverGroups[String(userId)] ?? []).includes(rule.group)) return `user ${userId}, counted for rule ${rule.group}, was not in group ${rule.group}`;
    }
  }
  return undefined;
}

/**
 * Offline check of an approval bundle: canonical token bytes, and approvals from distinct
 * keys of distinct users that verify over those bytes, at least as many as the token
 * needs — its signed m, or the bundle's `required` when the M of its operation was raised
 * after issue (the same rule the server applies). With `trusted` (fingerprints of keys
 * known to belong to COs), only those keys count; without it the verdict is not `pinned`:
 * the bundle carries its own keys, so it proves nothing about who signed. `required.issuer`
 * and `required.minM` refuse a token of another deployment or with a lower m. A custom
 * service's token must also show an assignment of its approvals to its signed policy's rules
 * (see assignmentProblem).
 */
export function verifyBundle(bundle: Bundle, trusted?: Set<string>, required: BundleRequirements = {}): BundleVerdict {
  let bytes: Buffer;
  let m: number;
  let doc: TokenDocument;
  try {
    bytes = Buffer.from(bundle.tokenBytes, 'base64');
    doc = parseTokenBytes(bytes);
    m = Math.max(doc.m, typeof bundle.required === 'number' ? bundle.required : 0);
  } catch (err) {
    return { ok: false, reason: `token bytes: ${err instanceof Error ? err.message : String(err)}` };
  }
  const mismatch = restatementMismatch(bundle, doc);
  if (mismatch) return { ok: false, reason: mismatch };
  if (required.issuer !== undefined && doc.issuer !== required.issuer) return { ok: false, reason: `issued by ${JSON.stringify(doc.issuer)}, not ${JSON.stringify(required.issuer)}` };
  if (required.minM !== undefined && doc.m < required.minM) return { ok: false, reason: `the token's m is ${doc.m}, below the required ${required.minM}` };
  const counted = new Set<string>();
  const users = new Set<number>();
  for (const approval of bundle.approvals ?? []) {
    try {
      const key = parseQuorumPublicKey(approval.publicKeyPem);
      if (key.fingerprint !== approval.fingerprint) return { ok: false, reason: `approval of user ${approval.userId}: fingerprint does not match its key` };
      if (trusted && !trusted.has(key.fingerprint)) return { ok: false, reason: `approval of user ${approval.userId}: key ${key.fingerprint.slice(0, 16)}… is not a trusted key` };
      if (!verifySignature(toKeyObject(key), approval.alg as SignatureAlg, bytes, decodeSignature(approval.signature))) {
        return { ok: false, reason: `approval of user ${approval.userId}: signature does not verify` };
      }
      const passkey = passkeyProblem(bundle, approval, bytes, doc, required);
      if (passkey) return { ok: false, reason: passkey };
      counted.add(key.fingerprint);
      users.add(approval.userId);
    } catch (err) {
      return { ok: false, reason: `approval of user ${approval.userId}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const approvals = Math.min(counted.size, users.size);
  const breakGlass = doc.path === 'breakGlass';
  if (breakGlass && !required.allowBreakGlass) return { ok: false, reason: 'the token was asked for on the break-glass path (emergency access, reviewed afterwards); accept it with --allow-break-glass' };
  const onBreakGlass = breakGlass && bundle.approvedBy !== 'quorum';
  if (onBreakGlass && doc.policy) {
    const problem = breakGlassProblem(doc.policy, bundle, users);
    if (problem) return { ok: false, reason: problem };
  } else {
    if (approvals < m) return { ok: false, reason: `${approvals} of ${m} approvals` };
    if (doc.policy) {
      const problem = assignmentProblem(doc.policy, bundle, users);
      if (problem) return { ok: false, reason: problem };
    }
  }
  return {
    ok: true,
    tokenId: doc.id,
    approvals,
    m: onBreakGlass ? (doc.policy?.breakGlass?.m ?? m) : m,
    issuer: doc.issuer,
    service: doc.service,
    operation: doc.operation,
    signers: [...counted],
    pinned: trusted !== undefined,
    path: breakGlass ? 'breakGlass' : 'normal',
    ...(breakGlass ? { approvedBy: onBreakGlass ? ('breakGlass' as const) : ('quorum' as const) } : {}),
  };
}

/** SHA-256 fingerprint of a PEM public key file's SubjectPublicKeyInfo. */
export function fingerprintOf(pem: string): string {
  return parseQuorumPublicKey(pem).fingerprint;
}
