import { randomBytes, randomUUID } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { QuorumError } from './errors';
import { operationDigest, type Operation } from './operation';
import type { QuorumPolicy } from './quorum-policy';

/** Who asked for a token: a user (by session) or an API key. */
export interface Requester {
  kind: 'user' | 'apikey';
  id: number | string;
  name: string;
}

/** The signed document of a token (docs/token-format.md). Its canonical JSON is the token bytes. */
export interface TokenDocument {
  v: 1;
  type: 'quorum-token';
  id: string;
  /** A built-in quorum service (USER_MGMT, QUORUM_MGMT) or a custom one (docs/policies.md). */
  service: string;
  operation: Operation;
  operationDigest: string;
  nonce: string;
  requester: Requester;
  issuedAt: string;
  expiresAt: string;
  m: number;
  issuer: string;
  /** A custom service's token: the policy in force at issue (as stored, canonical) and its version. */
  policy?: QuorumPolicy;
  policyVersion?: number;
  /** Why the requester asks (at most 500 characters), and a ticket id or URL (at most 200). */
  reason?: string;
  ticket?: string;
  /** `breakGlass`: asked for on the service's emergency path (docs/policies.md); absent: the normal one. */
  path?: 'breakGlass';
}

/** What a token request may say beside its operation, signed into its bytes. */
export interface TokenJustification {
  reason?: string;
  ticket?: string;
}

export interface NewTokenInput extends TokenJustification {
  service: string;
  /** A custom service's policy and version at issue. */
  signedPolicy?: { policy: QuorumPolicy; version: number };
  operation: Operation;
  requester: Requester;
  m: number;
  issuer: string;
  now: number;
  ttlSeconds: number;
  /** Asked for on the break-glass path: signed into the bytes as `path`. */
  breakGlass?: boolean;
}

/** RFC 3339 UTC with milliseconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

const NONCE_BYTES = 32;
/** CSPRNG bytes drawn 128 nonces at a time (as randomUUID does): one system call per batch, each byte used once. */
let noncePool = Buffer.alloc(0);
let nonceNext = 0;

function newNonce(): string {
  if (nonceNext + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_BYTES * 128);
    nonceNext = 0;
  }
  const nonce = noncePool.subarray(nonceNext, nonceNext + NONCE_BYTES).toString('base64url');
  nonceNext += NONCE_BYTES;
  return nonce;
}

export function newTokenDocument(input: NewTokenInput): TokenDocument {
  return {
    v: 1,
    type: 'quorum-token',
    id: randomUUID(),
    service: input.service,
    operation: input.operation,
    operationDigest: operationDigest(input.operation),
    nonce: newNonce(),
    requester: input.requester,
    issuedAt: rfc3339(input.now),
    expiresAt: rfc3339(input.now + input.ttlSeconds * 1000),
    m: input.m,
    issuer: input.issuer,
    // (Only present when given: a built-in service's token without them has the bytes it always had.)
    ...(input.signedPolicy ? { policy: input.signedPolicy.policy, policyVersion: input.signedPolicy.version } : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.ticket !== undefined ? { ticket: input.ticket } : {}),
    ...(input.breakGlass === true ? { path: 'breakGlass' as const } : {}),
  };
}

/** The exact bytes a CO signs: canonical JSON, UTF-8, no trailing newline. */
export function tokenBytes(doc: TokenDocument): Buffer {
  return Buffer.from(canonicalJson(doc), 'utf8');
}

/**
 * Reads token bytes back into a document, refusing anything that is not the canonical
 * encoding of a well-formed token (used by offline bundle verification).
 */
export function parseTokenBytes(bytes: Buffer): TokenDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new QuorumError('RET_BAD_REQUEST', 'Token bytes are not JSON');
  }
  const d = doc as Partial<TokenDocument> | null;
  if (
    d === null ||
    typeof d !== 'object' ||
    d.v !== 1 ||
    d.type !== 'quorum-token' ||
    typeof d.id !== 'string' ||
    typeof d.m !== 'number' ||
    typeof d.issuer !== 'string' ||
    typeof d.operation !== 'object' ||
    operationDigest(d.operation) !== d.operationDigest
  ) {
    throw new QuorumError('RET_BAD_REQUEST', 'Token bytes are not a quorum token');
  }
  const full = d as TokenDocument;
  if (!tokenBytes(full).equals(bytes)) {
    throw new QuorumError('RET_BAD_REQUEST', 'Token bytes are not in canonical form');
  }
  return full;
}
