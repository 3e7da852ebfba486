import { QuorumError, checkPassword, checkUserName, checkUserType, hashPassword, USER_NAME_PATTERN, type UserViewBody as UserView } from '@quorumd/core';
import type { QuorumGate, QuorumStore, UserRecord } from '@quorumd/store';
import type { Metrics } from '../metrics';
import type { AuthService } from './auth-service';
import { actorOf, requireOfficer, requireUser, type Principal } from './principal';
import { countConsumed, type QuorumGates } from './protected-command';

/** `now`: whether a timed lock after failed logins still holds. */
function userView(user: UserRecord, now: number): UserView {
  const view: UserView = {
    id: user.id,
    type: user.type,
    name: user.name,
    mofnPubKey: user.fingerprint !== undefined,
    loginFailureCnt: user.loginFailureCnt,
    twoFactor: false,
    hsmUsername: user.hsmUsername,
    locked: user.lockedUntil === 'forever' || (user.lockedUntil !== undefined && user.lockedUntil > now),
    passwordChangeRequired: user.passwordChangeRequired,
  };
  if (user.fingerprint) view.fingerprint = user.fingerprint;
  return view;
}

/**
 * Users: listUsers, and createUser / deleteUser / changePswd, which run behind the
 * USER_MGMT quorum gate that the store applies in the same atomic step as the change.
 */
export class UsersService {
  constructor(
    private readonly store: QuorumStore,
    private readonly gates: QuorumGates,
    private readonly metrics: Metrics,
    private readonly auth: AuthService,
  ) {}

  async list(principal: Principal): Promise<UserView[]> {
    requireUser(principal);
    return (await this.store.users.list()).map((user) => userView(user, this.store.ctx.clock()));
  }

  async create(principal: Principal, input: { type: unknown; name: unknown; password: unknown; quorumToken?: string }): Promise<UserView> {
    requireOfficer(principal);
    const type = checkUserType(input.type);
    const name = checkUserName(input.name);
    const password = checkPassword(input.password);
    const gate = await this.gates.open(principal, input.quorumToken, { command: 'createUser', args: { type, name } });
    const passwordHash = await hashPassword(password);
    const id = await this.gates.run(gate, 'USER_MGMT', () => this.store.users.create(gate, { name, type, passwordHash }, actorOf(principal)));
    countConsumed(this.metrics, gate, 'USER_MGMT');
    const user = await this.store.users.get(id);
    if (!user) throw new QuorumError('RET_USER_NOT_FOUND');
    return userView(user, this.store.ctx.clock());
  }

  /**
   * deleteUser. `force` (part of the signed operation) lets a deletion through that would
   * leave a service's M above the officers who could approve.
   */
  async delete(principal: Principal, id: number, input: { quorumToken?: string; force?: boolean }): Promise<void> {
    const caller = requireOfficer(principal);
    if (caller.id === id) throw new QuorumError('RET_FORBIDDEN', 'A crypto officer cannot delete itself');
    const force = input.force === true;
    const gate = await this.gates.open(principal, input.quorumToken, { command: 'deleteUser', args: { id, ...(force ? { force } : {}) } });
    await this.gates.run(gate, 'USER_MGMT', () => this.store.users.delete(gate, id, { force }, actorOf(principal)));
    countConsumed(this.metrics, gate, 'USER_MGMT');
  }

  /** The name a user signs AWS CloudHSM token files as: each user sets its own. */
  async setHsmUsername(principal: Principal, id: number, hsmUsername: string): Promise<UserView> {
    const caller = requireUser(principal);
    if (caller.id !== id) throw new QuorumError('RET_FORBIDDEN', 'A user sets only its own HSM user name');
    if (!USER_NAME_PATTERN.test(hsmUsername)) throw new QuorumError('RET_BAD_REQUEST', 'hsmUsername must be a CloudHSM user name: 1-31 letters, digits or _');
    await this.store.users.setHsmUsername(id, hsmUsername, actorOf(principal));
    const user = await this.store.users.get(id);
    if (!user) throw new QuorumError('RET_USER_NOT_FOUND');
    return userView(user, this.store.ctx.clock());
  }

  /**
   * One's own password: no quorum, but the current password (checked like a login from `ip`).
   * Another user's: a CO, behind USER_MGMT. Either way every session of that user ends.
   */
  async changePassword(principal: Principal, id: number, input: { password: unknown; currentPassword?: string; quorumToken?: string }, ip: string): Promise<void> {
    const caller = requireUser(principal);
    const password = checkPassword(input.password);
    let gate: QuorumGate | undefined;
    if (caller.id !== id) {
      // A one-time password's session may change that password only.
      if (caller.passwordChangeRequired) throw new QuorumError('RET_PASSWORD_CHANGE_REQUIRED', 'Set a password of your own first: this session may change only its own password');
      requireOfficer(principal);
      gate = await this.gates.open(principal, input.quorumToken, { command: 'changePswd', args: { id } });
    } else if (typeof input.currentPassword !== 'string') {
      throw new QuorumError('RET_LOGIN_FAILED', 'Changing one’s own password needs the current password (currentPassword)');
    } else {
      // Counted like a login: guesses make the name wait.
      await this.auth.confirmPassword(caller, input.currentPassword, ip);
    }
    const passwordHash = await hashPassword(password);
    const change = () => this.store.users.changePassword(gate, id, passwordHash, actorOf(principal));
    await (gate ? this.gates.run(gate, 'USER_MGMT', change) : change());
    if (gate) countConsumed(this.metrics, gate, 'USER_MGMT');
  }
}
