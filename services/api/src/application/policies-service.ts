import { QuorumError, normalizeOperation, type QuorumPolicy } from '@quorumd/core';
import type { QuorumStore, StoredGroup, StoredService } from '@quorumd/store';
import type { Metrics } from '../metrics';
import { actorOf, requireOfficer, requireUser, type Principal } from './principal';
import { countConsumed, type QuorumGates } from './protected-command';

/**
 * Quorum services' policies and groups of officers (docs/policies.md). Reads are open to
 * every user, as M values are; each change is a QUORUM_MGMT operation behind its gate,
 * which the store's script also holds to the policies the change touches (see set-policy,
 * delete-service, set-group) and to the lock-out guard.
 */
export class PoliciesService {
  constructor(
    private readonly store: QuorumStore,
    private readonly gates: QuorumGates,
    private readonly metrics: Metrics,
  ) {}

  async services(principal: Principal): Promise<StoredService[]> {
    requireUser(principal);
    return this.store.policies.services();
  }

  async service(principal: Principal, name: string): Promise<StoredService> {
    requireUser(principal);
    const found = await this.store.policies.service(name);
    if (!found) throw new QuorumError('RET_SERVICE_UNKNOWN', `Unknown quorum service: ${name.slice(0, 40)}`);
    return found;
  }

  async groups(principal: Principal): Promise<StoredGroup[]> {
    requireUser(principal);
    return this.store.policies.groups();
  }

  /** setPolicy: answers the service as it now is, and whether it was created. */
  async setPolicy(principal: Principal, name: string, input: { policy: unknown; quorumToken?: string; force?: boolean }): Promise<{ service: StoredService; created: boolean }> {
    requireOfficer(principal);
    const force = input.force === true;
    // The one form that is signed and compared: the operation as normalised (the policy parsed, strictly).
    const operation = normalizeOperation({ command: 'setPolicy', args: { service: name, policy: input.policy, ...(force ? { force } : {}) } });
    const service = operation.args.service as string;
    const gate = await this.gates.open(principal, input.quorumToken, operation);
    const done = await this.gates.run(gate, 'QUORUM_MGMT', () => this.store.policies.setPolicy(gate, service, operation.args.policy as QuorumPolicy, force, actorOf(principal)));
    countConsumed(this.metrics, gate, 'QUORUM_MGMT');
    // A built-in service (its policy says only whether it requires passkeys): as it reads now.
    const builtin = done.number === 0 ? await this.store.policies.service(service) : undefined;
    if (builtin) return { service: builtin, created: false };
    return { service: { service, number: done.number, builtin: false, version: done.version, policy: operation.args.policy as QuorumPolicy }, created: done.created };
  }

  async deleteService(principal: Principal, name: string, input: { quorumToken?: string }): Promise<void> {
    requireOfficer(principal);
    const operation = normalizeOperation({ command: 'deleteService', args: { service: name } });
    const gate = await this.gates.open(principal, input.quorumToken, operation);
    await this.gates.run(gate, 'QUORUM_MGMT', () => this.store.policies.deleteService(gate, operation.args.service as string, actorOf(principal)));
    countConsumed(this.metrics, gate, 'QUORUM_MGMT');
  }

  async setGroup(principal: Principal, name: string, input: { members: unknown; quorumToken?: string; force?: boolean }): Promise<StoredGroup> {
    requireOfficer(principal);
    const force = input.force === true;
    const operation = normalizeOperation({ command: 'setGroup', args: { group: name, members: input.members, ...(force ? { force } : {}) } });
    const group = operation.args.group as string;
    const members = operation.args.members as number[];
    const gate = await this.gates.open(principal, input.quorumToken, operation);
    const version = await this.gates.run(gate, 'QUORUM_MGMT', () => this.store.policies.setGroup(gate, group, members, force, actorOf(principal)));
    countConsumed(this.metrics, gate, 'QUORUM_MGMT');
    return { group, members, version, builtin: false };
  }
}
