import { readFileSync } from 'node:fs';
import { visibleText } from '@quorumd/core';
import type { Command } from 'commander';
import type { ServiceView } from '../quorum-client';
import type { CliRun } from './context';
import { quorumTokenOption } from './users';

function policyText(s: ServiceView): string {
  const rules = s.policy.rules.map((r) => `${r.group}:${r.m}`).join(' AND ');
  const extras = [
    s.policy.vetoGroups?.length ? `veto ${s.policy.vetoGroups.join(',')}` : '',
    s.policy.commands?.length ? `commands ${s.policy.commands.join(',')}` : '',
    s.policy.requesterMayApprove === false ? 'requester excluded' : '',
    s.policy.requireReason ? 'reason required' : '',
  ].filter(Boolean);
  return visibleText(`${s.service} (${s.number}${s.builtin ? ', built in' : ''}) v${s.version}: ${rules}${extras.length ? ` (${extras.join('; ')})` : ''}`);
}

/** services, policy get/set/delete, groups, group set: custom services' policies and groups of officers (docs/policies.md). */
export function addPolicyCommands(program: Command, run: CliRun): void {
  program
    .command('services')
    .description('list the quorum services and their policies')
    .action(async () => {
      const services = await run.client().services();
      run.print(services.map(policyText).join('\n'), { services });
    });

  const policy = program.command('policy').description("a service's quorum policy");
  policy
    .command('get')
    .argument('<service>', 'e.g. DEPLOY_PROD')
    .action(async (name: string) => {
      const service = await run.client().service(name);
      run.print(`${policyText(service)}\n${JSON.stringify(service.policy, null, 2)}`, { service });
    });
  policy
    .command('set')
    .description('create or change a custom service\'s policy; under a quorum, with a QUORUM_MGMT token for setPolicy {"service","policy"}')
    .argument('<service>', 'e.g. DEPLOY_PROD')
    .requiredOption('--file <path>', 'the policy, JSON')
    .addOption(quorumTokenOption())
    .option('--force', 'set it even if the officers holding keys could not satisfy it')
    .action(async (name: string, opts: { file: string; quorumToken?: string; force?: boolean }) => {
      const body = JSON.parse(readFileSync(opts.file, 'utf8')) as ServiceView['policy'];
      run.attempted = { service: 'QUORUM_MGMT', command: 'setPolicy', args: { service: name, policy: body } };
      const service = await run.client().setPolicy(name, body, { ...(await run.quorumToken(opts)), ...(opts.force ? { force: true } : {}) });
      run.print(`setPolicy success: ${policyText(service)}`, { service });
    });
  policy
    .command('delete')
    .description('delete a custom service; under a quorum, with a QUORUM_MGMT token for deleteService {"service"}')
    .argument('<service>', 'e.g. DEPLOY_PROD')
    .addOption(quorumTokenOption())
    .action(async (name: string, opts: { quorumToken?: string }) => {
      run.attempted = { service: 'QUORUM_MGMT', command: 'deleteService', args: { service: name } };
      await run.client().deleteService(name, (await run.quorumToken(opts)).quorumToken);
      run.print(`deleteService success: ${name}`, { service: name });
    });

  program
    .command('groups')
    .description('list the groups of officers and their members')
    .action(async () => {
      const groups = await run.client().groups();
      run.print(groups.map((g) => visibleText(`${g.group}${g.builtin ? ' (built in)' : ''} v${g.version}: ${g.members.join(', ') || '(nobody)'}`)).join('\n'), { groups });
    });
  const group = program.command('group').description('a group of officers');
  group
    .command('set')
    .description('set a group\'s members; under a quorum, with a QUORUM_MGMT token for setGroup {"group","members"}')
    .argument('<group>', 'e.g. sre')
    .requiredOption('--members <ids>', 'user ids, comma separated')
    .addOption(quorumTokenOption())
    .option('--force', 'set them even if a policy naming the group could not be satisfied')
    .action(async (name: string, opts: { members: string; quorumToken?: string; force?: boolean }) => {
      const members = opts.members.split(',').map((id) => id.trim()).filter(Boolean).map(Number).sort((a, b) => a - b);
      run.attempted = { service: 'QUORUM_MGMT', command: 'setGroup', args: { group: name, members } };
      const set = await run.client().setGroup(name, members, { ...(await run.quorumToken(opts)), ...(opts.force ? { force: true } : {}) });
      run.print(`setGroup success: ${set.group} v${set.version}: ${set.members.join(', ')}`, { group: set });
    });
}
