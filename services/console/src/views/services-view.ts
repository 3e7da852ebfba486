import { describeError } from '../api-client';
import type { GroupView, ServiceView } from '../api-types';
import type { ConsoleState } from '../console-state';
import { el, notice, replace } from '../dom';
import { userName } from '../operation-text';

/**
 * Quorum services and their policies, and who is in each group (docs/policies.md): what a
 * token of each service needs, and what a change would need — QUORUM_MGMT's quorum and the
 * service's current policy (a group change: every policy naming the group). Read only: the
 * changes are made with the CLI or the API, under their quorum.
 */
export function renderServices(main: HTMLElement, state: ConsoleState, _signal: AbortSignal): void {
  const body = el('div', {});
  const load = async () => {
    try {
      const [{ services }, { groups }] = await Promise.all([
        state.api.json<{ services: ServiceView[] }>('GET', '/v1/quorum/services'),
        state.api.json<{ groups: GroupView[] }>('GET', '/v1/groups'),
      ]);
      state.knowUsers(groups.flatMap((g) => g.members));
      const quorum = services.find((s) => s.service === 'QUORUM_MGMT');
      const rules = (s: ServiceView) => s.policy.rules.map((r) => `${r.group}:${r.m}`).join(' AND ');
      // (Every policy naming the group governs its changes: in a rule or as a veto group.)
      const namingGroup = (group: string) => services.filter((s) => !s.builtin && (s.policy.rules.some((r) => r.group === group) || (s.policy.vetoGroups ?? []).includes(group))).map((s) => s.service);
      replace(
        body,
        el('h2', {}, 'Services'),
        el(
          'table',
          {},
          el('thead', {}, el('tr', {}, el('th', {}, 'Service'), el('th', {}, 'Number'), el('th', {}, 'Version'), el('th', {}, 'Policy'), el('th', {}, 'A change needs'))),
          el(
            'tbody',
            {},
            ...services.map((s) =>
              el(
                'tr',
                { attrs: { 'data-service': s.service } },
                el('td', {}, el('bdi', {}, s.service)),
                el('td', {}, String(s.number)),
                el('td', {}, String(s.version)),
                el('td', {}, rules(s), s.policy.vetoGroups?.length ? ` (veto: ${s.policy.vetoGroups.join(', ')})` : '', s.policy.requesterMayApprove === false ? ' (not the requester)' : ''),
                el('td', {}, s.builtin ? 'setMValue (Quorum page)' : `QUORUM_MGMT (${quorum ? rules(quorum) : '?'}) and ${rules(s)}`),
              ),
            ),
          ),
        ),
        el('h2', {}, 'Groups'),
        el(
          'table',
          {},
          el('thead', {}, el('tr', {}, el('th', {}, 'Group'), el('th', {}, 'Members'), el('th', {}, 'A change needs'))),
          el(
            'tbody',
            {},
            ...groups.map((g) =>
              el(
                'tr',
                { attrs: { 'data-group': g.group } },
                el('td', {}, el('bdi', {}, g.group)),
                el('td', {}, ...g.members.flatMap((id, i) => [i ? ', ' : '', el('bdi', {}, userName(state.users, id))])),
                el('td', {}, g.builtin ? 'built in: every crypto officer' : ['QUORUM_MGMT', ...namingGroup(g.group)].join(' and ')),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      replace(body, notice('error', describeError(err)));
    }
  };
  replace(
    main,
    el('h1', {}, 'Services and groups'),
    el('p', {}, 'Each service’s policy: every rule must hold, and no officer counts for two rules. Changes are made with the CLI (quorum policy set, quorum group set) under their quorum.'),
    body,
  );
  void state.loadUsers().catch(() => undefined);
  void load();
}
