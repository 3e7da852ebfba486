import { checkMValue, resolveService, serviceNumber, SERVICE_NAMES, type QuorumService } from '@quorumd/core';
import type { QuorumStore } from '@quorumd/store';
import type { Metrics } from '../metrics';
import { actorOf, requireOfficer, requireUser, type Principal } from './principal';
import { countConsumed, type QuorumGates } from './protected-command';

export interface MValueView {
  service: QuorumService;
  number: number;
  m: number;
}

/** getMValue / setMValue; setMValue runs behind the QUORUM_MGMT gate and the lock-out guard (in the store). */
export class MValuesService {
  constructor(
    private readonly store: QuorumStore,
    private readonly gates: QuorumGates,
    private readonly metrics: Metrics,
  ) {}

  async list(principal: Principal): Promise<MValueView[]> {
    requireUser(principal);
    const values = await this.store.mValues.all();
    return SERVICE_NAMES.map((service) => ({ service, number: serviceNumber(service), m: values[service] }));
  }

  async get(principal: Principal, serviceInput: string): Promise<MValueView> {
    const service = resolveService(serviceInput);
    return (await this.list(principal)).find((v) => v.service === service) as MValueView;
  }

  async set(principal: Principal, serviceInput: string, input: { m: unknown; quorumToken?: string; force?: boolean }): Promise<MValueView> {
    requireOfficer(principal);
    const service = resolveService(serviceInput);
    const m = checkMValue(input.m);
    const force = input.force === true;
    // force is part of the operation the token was approved for, never a flag beside it.
    const gate = await this.gates.open(principal, input.quorumToken, { command: 'setMValue', args: { service, m, ...(force ? { force } : {}) } });
    await this.gates.run(gate, 'QUORUM_MGMT', () => this.store.mValues.set(gate, service, m, { force }, actorOf(principal)));
    countConsumed(this.metrics, gate, 'QUORUM_MGMT');
    return { service, number: serviceNumber(service), m };
  }
}
