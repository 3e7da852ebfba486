import { randomBytes, randomUUID } from 'node:crypto';
import {
  QuorumError,
  canonicalJson,
  checkAlg,
  checkMValue,
  checkPassword,
  checkUserName,
  checkUserType,
  decodeSignature,
  hashPassword,
  normalizeOperation,
  parseQuorumPublicKey,
  resolveService,
  serviceNumber,
  toKeyObject,
  verifyPassword,
  verifySignature,
  SERVICE_NAMES,
  type QuorumService,
} from '@quorumd/core';
import type { QuorumGate, QuorumStore, UserRecord } from '@quorumd/store';
import type { Metrics } from '../metrics';
import { actorOf, requesterKey, requireOfficer, requireUser, type Principal } from './principal';

const CHALLENGE_TTL_MS = 5 * 60 * 1000;

export interface UserView {
  id: number;
  type: string;
  name: string;
  mofnPubKey: boolean;
  loginFailureCnt: number;
  twoFactor: boolean;
  fingerprint?: string;
}

export function userView(user: UserRecord): UserView {
  const view: UserView = {
    id: user.id,
    type: user.type,
    name: user.name,
    mofnPubKey: user.fingerprint !== undefined,
    loginFailureCnt: user.loginFailureCnt,
    twoFactor: false,
  };
  if (user.fingerprint) view.fingerprint = user.fingerprint;
  return view;
}

/**
 * Users, quorum keys and M values: createUser / deleteUser / changePswd / setMValue run
 * behind the quorum gate, which the store applies in the same atomic step as the change.
 */
export class UsersService {
  constructor(
    private readonly store: QuorumStore,
    private readonly issuer: string,
    private readonly metrics: Metrics,
    private readonly requesterMayApprove: boolean,
  ) {}

  /** A protected command that ran with a token consumed it. */
  private consumed(gate: QuorumGate, service: QuorumService): void {
    if (gate.tokenId) this.metrics.tokens.inc({ service, status: 'CONSUMED' });
  }

  private gate(principal: Principal, quorumToken: string | undefined, operation: unknown): QuorumGate {
    return {
      tokenId: quorumToken,
      requesterKey: requesterKey(principal),
      operation: canonicalJson(normalizeOperation(operation)),
      issuer: this.issuer,
    };
  }

  async list(principal: Principal): Promise<UserView[]> {
    requireUser(principal);
    return (await this.store.users.list()).map(userView);
  }

  async create(principal: Principal, input: { type: unknown; name: unknown; password: unknown; quorumToken?: string }): Promise<UserView> {
    requireOfficer(principal);
    const type = checkUserType(input.type);
    const name = checkUserName(input.name);
    const password = checkPassword(input.password);
    const gate = this.gate(principal, input.quorumToken, { command: 'createUser', args: { type, name } });
    const id = await this.store.users.create(gate, { name, type, passwordHash: await hashPassword(password) }, actorOf(principal));
    this.consumed(gate, 'USER_MGMT');
    const user = await this.store.users.get(id);
    if (!user) throw new QuorumError('RET_USER_NOT_FOUND');
    return userView(user);
  }

  /**
   * deleteUser. `force` (part of the signed operation) lets a deletion through that would
   * leave a service's M above the officers who could approve.
   */
  async delete(principal: Principal, id: number, input: { quorumToken?: string; force?: boolean }): Promise<void> {
    const caller = requireOfficer(principal);
    if (caller.id === id) throw new QuorumError('RET_FORBIDDEN', 'A crypto officer cannot delete itself');
    const force = input.force === true;
    const gate = this.gate(principal, input.quorumToken, { command: 'deleteUser', args: { id, ...(force ? { force } : {}) } });
    await this.store.users.delete(gate, id, { force, requesterMayApprove: this.requesterMayApprove }, actorOf(principal));
    this.consumed(gate, 'USER_MGMT');
  }

  /**
   * One's own password: no quorum, but the current password. Another user's: a CO,
   * behind USER_MGMT. Either way every session of that user ends.
   */
  async changePassword(principal: Principal, id: number, input: { password: unknown; currentPassword?: string; quorumToken?: string }): Promise<void> {
    const caller = requireUser(principal);
    const password = checkPassword(input.password);
    let gate: QuorumGate | undefined;
    if (caller.id !== id) {
      requireOfficer(principal);
      gate = this.gate(principal, input.quorumToken, { command: 'changePswd', args: { id } });
    } else if (typeof input.currentPassword !== 'string' || !(await verifyPassword(input.currentPassword, caller.passwordHash))) {
      throw new QuorumError('RET_LOGIN_FAILED', 'Changing one’s own password needs the current password (currentPassword)');
    }
    await this.store.users.changePassword(gate, id, await hashPassword(password), actorOf(principal));
    if (gate) this.consumed(gate, 'USER_MGMT');
  }

  private requireSelfOfficer(principal: Principal, id: number): UserRecord {
    const caller = requireOfficer(principal);
    if (caller.id !== id) throw new QuorumError('RET_FORBIDDEN', 'A crypto officer registers only its own quorum key');
    return caller;
  }

  /** Step 1 of registerQuorumPubKey: bytes the new key must sign (proof of possession). */
  async keyChallenge(principal: Principal, id: number): Promise<{ challengeId: string; challenge: string; expiresAt: string }> {
    this.requireSelfOfficer(principal, id);
    const challengeId = randomUUID();
    const text = `quorumd key registration v1 issuer=${this.issuer} user=${id} challenge=${challengeId} nonce=${randomBytes(32).toString('base64url')}`;
    const challenge = Buffer.from(text, 'utf8').toString('base64');
    await this.store.users.createChallenge(challengeId, `${id}|${challenge}`, CHALLENGE_TTL_MS);
    return { challengeId, challenge, expiresAt: new Date(this.store.ctx.clock() + CHALLENGE_TTL_MS).toISOString() };
  }

  /** Step 2: the public key and its signature over the challenge. */
  async registerKey(
    principal: Principal,
    id: number,
    input: { publicKeyPem: unknown; challengeId: string; signature: unknown; alg?: unknown },
  ): Promise<{ fingerprint: string }> {
    this.requireSelfOfficer(principal, id);
    const key = parseQuorumPublicKey(input.publicKeyPem);
    const alg = checkAlg(input.alg);
    const signature = decodeSignature(input.signature);
    const stored = await this.store.users.challenge(input.challengeId);
    const [owner, challenge] = (stored ?? '').split('|');
    if (!stored || owner !== String(id) || !challenge) throw new QuorumError('RET_CHALLENGE_INVALID');
    if (!verifySignature(toKeyObject(key), alg, Buffer.from(challenge, 'base64'), signature)) {
      throw new QuorumError('RET_SIGNATURE_INVALID', 'The signature over the challenge does not verify with this key');
    }
    await this.store.users.registerKey(id, { id: input.challengeId, value: stored }, key, actorOf(principal));
    return { fingerprint: key.fingerprint };
  }

  async mValues(principal: Principal): Promise<{ service: QuorumService; number: number; m: number }[]> {
    requireUser(principal);
    const values = await this.store.users.mValues();
    return SERVICE_NAMES.map((service) => ({ service, number: serviceNumber(service), m: values[service] }));
  }

  async mValue(principal: Principal, serviceInput: string): Promise<{ service: QuorumService; number: number; m: number }> {
    const service = resolveService(serviceInput);
    const values = await this.mValues(principal);
    return values.find((v) => v.service === service) as { service: QuorumService; number: number; m: number };
  }

  async setMValue(
    principal: Principal,
    serviceInput: string,
    input: { m: unknown; quorumToken?: string; force?: boolean },
  ): Promise<{ service: QuorumService; number: number; m: number }> {
    requireOfficer(principal);
    const service = resolveService(serviceInput);
    const m = checkMValue(input.m);
    const force = input.force === true;
    // force is part of the operation the token was approved for, never a flag beside it.
    const gate = this.gate(principal, input.quorumToken, { command: 'setMValue', args: { service, m, ...(force ? { force } : {}) } });
    await this.store.users.setMValue(gate, service, m, { force, requesterMayApprove: this.requesterMayApprove }, actorOf(principal));
    this.consumed(gate, 'QUORUM_MGMT');
    return { service, number: serviceNumber(service), m };
  }
}
