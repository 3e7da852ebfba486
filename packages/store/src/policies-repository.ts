import { BUILTIN_GROUP, SERVICE_NAMES, builtinPolicy, canonicalPolicy, parsePolicy, policyGroups, policySize, serviceNumber, type Operation, type QuorumPolicy } from '@quorumd/core';
import { gateIdsAndArgs, type QuorumGate } from './quorum-gate';
import { SERVICE_FIELDS } from './redis-contract';
import type { Actor, StoreContext } from './store-context';

/** A quorum service as stored: a built-in one's policy is its M of every officer. */
export interface StoredService {
  service: string;
  number: number;
  builtin: boolean;
  version: number;
  policy: QuorumPolicy;
}

/** A group of officers: `officers` (every CO) is built in. */
export interface StoredGroup {
  group: string;
  members: number[];
  version: number;
  builtin: boolean;
}

function ids(members: string[]): number[] {
  return members.map(Number).sort((a, b) => a - b);
}

/** Quorum services (built-in and custom) with their policies, and groups of officers. */
export class PoliciesRepository {
  constructor(private readonly ctx: StoreContext) {}

  /** Every service: the built-in ones first (their policy from their M), then the custom ones by number. */
  async services(): Promise<StoredService[]> {
    const keys = this.ctx.keys;
    const [mValues, custom] = await this.ctx.read((r) => Promise.all([r.hgetall(keys.mValues()), r.hgetall(keys.customServices())]));
    const names = [...SERVICE_NAMES, ...Object.keys(custom).sort((a, b) => Number(custom[a]) - Number(custom[b]))];
    const hashes = await this.ctx.read((r) => Promise.all(names.map((name) => r.hgetall(keys.service(name)))));
    return names.map((service, i): StoredService => {
      const hash = hashes[i] ?? {};
      const builtin = i < SERVICE_NAMES.length;
      if (builtin) {
        const name = SERVICE_NAMES[i] as (typeof SERVICE_NAMES)[number];
        // A built-in service's version moves with its M (from 1, before any change).
        const policy = builtinPolicy(Number(mValues[service] ?? 1));
        if (hash[SERVICE_FIELDS.requirePasskey] === '1') policy.requirePasskey = true;
        return { service, number: serviceNumber(name), builtin, version: 1 + Number(hash[SERVICE_FIELDS.version] ?? 0), policy };
      }
      return { service, number: Number(custom[service]), builtin, version: Number(hash[SERVICE_FIELDS.version] ?? 1), policy: parsePolicy(JSON.parse(hash[SERVICE_FIELDS.policy] ?? '{}')) };
    });
  }

  /** Whether a service's policy in force requires passkeys: one read of its hash (the approve path asks it). */
  async requiresPasskey(name: string): Promise<boolean> {
    const [policy, flag] = await this.ctx.read((r) => r.hmget(this.ctx.keys.service(name), SERVICE_FIELDS.policy, SERVICE_FIELDS.requirePasskey));
    if (flag === '1') return true;
    return policy ? (JSON.parse(policy) as { requirePasskey?: unknown }).requirePasskey === true : false;
  }

  async service(name: string): Promise<StoredService | undefined> {
    return (await this.services()).find((s) => s.service === name);
  }

  /**
   * The custom services whose policies govern a policy or group change (setPolicy and
   * deleteService: the target, when it exists, and for setPolicy every other service naming
   * a group the new policy comes to name; setGroup: every service naming the group;
   * changePswd of another officer, and a forced deleteUser of one: every service whose
   * rules count that officer or whose veto groups hold it),
   * with their policies' sizes: fixed into the token at issue (its `governingServices`, its
   * m), so that its approvals are counted against them. (The change's script reads them
   * again when it runs.) None for any other operation.
   */
  async governingPolicies(operation: Operation): Promise<{ service: string; size: number }[]> {
    const { command, args } = operation;
    if (command === 'changePswd' || (command === 'deleteUser' && args.force === true)) {
      // Another officer's password, or its deletion past the lock-out guard: every custom
      // service whose rules count that officer (a CU is in no group).
      const custom = (await this.services()).filter((s) => !s.builtin);
      if (custom.length === 0) return [];
      const groups = (await this.groups()).filter((g) => g.members.includes(args.id as number)).map((g) => g.group);
      // (A veto group's member too: its account ends every token of the service.)
      return custom.filter((s) => policyGroups(s.policy).some((g) => groups.includes(g))).map((s) => ({ service: s.service, size: policySize(s.policy) }));
    }
    if (command !== 'setPolicy' && command !== 'deleteService' && command !== 'setGroup') return [];
    const custom = (await this.services()).filter((s) => !s.builtin);
    const governing = command === 'setGroup' ? custom.filter((s) => policyGroups(s.policy).includes(args.group as string)) : custom.filter((s) => s.service === args.service);
    if (command === 'setPolicy') {
      // And every other service whose policy names a group this one comes to name (set-policy's script reads the same).
      const old = governing[0] ? policyGroups(governing[0].policy) : [];
      const named = policyGroups(args.policy as QuorumPolicy).filter((g) => !old.includes(g));
      governing.push(...custom.filter((s) => s.service !== args.service && policyGroups(s.policy).some((g) => named.includes(g))));
    }
    return governing.map((s) => ({ service: s.service, size: policySize(s.policy) }));
  }

  /** Every group: `officers` first, then the others by name. */
  async groups(): Promise<StoredGroup[]> {
    const keys = this.ctx.keys;
    const [officers, versions] = await this.ctx.read((r) => Promise.all([r.smembers(keys.officers()), r.hgetall(keys.groups())]));
    const names = Object.keys(versions).sort();
    const members = await this.ctx.read((r) => Promise.all(names.map((name) => r.smembers(keys.group(name)))));
    return [
      { group: BUILTIN_GROUP, members: ids(officers), version: 1, builtin: true },
      ...names.map((group, i): StoredGroup => ({ group, members: ids(members[i] ?? []), version: Number(versions[group]), builtin: false })),
    ];
  }

  /** setPolicy (behind its gate, the service's current policy and the lock-out guard); `force` from the signed operation. */
  async setPolicy(gate: QuorumGate, service: string, policy: QuorumPolicy, force: boolean, actor: Actor): Promise<{ number: number; version: number; created: boolean }> {
    const { gateTokenId, args } = gateIdsAndArgs(gate);
    const [number, version, created] = (await this.ctx.run('setPolicy', { gateTokenId, service }, actor, {
      ...args,
      service,
      policy: canonicalPolicy(policy),
      force: force ? '1' : '0',
      retentionMs: this.ctx.retentionMs,
    })) as [number, number, number];
    return { number, version, created: created === 1 };
  }

  async deleteService(gate: QuorumGate, service: string, actor: Actor): Promise<void> {
    const { gateTokenId, args } = gateIdsAndArgs(gate);
    await this.ctx.run('deleteService', { gateTokenId, service }, actor, { ...args, service, retentionMs: this.ctx.retentionMs });
  }

  /** setGroup (behind its gate, every policy naming the group, and the lock-out guard); answers the group's new version. */
  async setGroup(gate: QuorumGate, group: string, members: readonly number[], force: boolean, actor: Actor): Promise<number> {
    const { gateTokenId, args } = gateIdsAndArgs(gate);
    return (await this.ctx.run('setGroup', { gateTokenId, group }, actor, {
      ...args,
      group,
      members: members.join(' '),
      force: force ? '1' : '0',
      retentionMs: this.ctx.retentionMs,
    })) as number;
  }
}
