import { ApiError, describeError } from '../api-client';
import type { MValue } from '../api-types';
import type { ConsoleState } from '../console-state';
import { button, el, field, notice, replace } from '../dom';
import { runWithQuorum } from '../quorum-flow';

/**
 * M values (getMValue / setMValue through the QUORUM_MGMT quorum). Before a change the
 * console warns, as quorumd's lock-out guard would refuse, when the new M is above the
 * officers who could approve (COs holding a key, not locked).
 */
export function renderQuorumValues(main: HTMLElement, state: ConsoleState, signal: AbortSignal): void {
  const table = el('div', {});
  const outcome = el('div', { attrs: { 'aria-live': 'polite' } });

  const approvers = () => [...state.users.values()].filter((u) => u.type === 'CO' && u.mofnPubKey && !u.locked).length;

  const load = async () => {
    try {
      const { values } = await state.api.json<{ values: MValue[] }>('GET', '/v1/quorum/values');
      replace(
        table,
        el(
          'table',
          {},
          el('thead', {}, el('tr', {}, el('th', {}, 'Service'), el('th', {}, 'Number'), el('th', {}, 'M'), el('th', {}, 'Change'))),
          el('tbody', {}, ...values.map((v) => row(v))),
        ),
      );
    } catch (err) {
      replace(table, notice('error', describeError(err)));
    }
  };

  const row = (value: MValue) => {
    const input = el('input', { attrs: { type: 'number', min: '1', max: '8', value: String(value.m) } });
    return el(
      'tr',
      { attrs: { 'data-service': value.service } },
      el('td', {}, value.service),
      el('td', {}, String(value.number)),
      el('td', {}, String(value.m)),
      el('td', {}, field(`New M for ${value.service}`, input), button(`Set M of ${value.service}`, () => void set(value, Number(input.value)))),
    );
  };

  const set = async (value: MValue, m: number, force = false) => {
    if (!Number.isInteger(m) || m < 1 || m > 8) return replace(outcome, notice('error', 'M must be a whole number from 1 to 8.'));
    const could = approvers();
    if (!force && m > could) {
      replace(
        outcome,
        notice('error', `Lock-out guard: only ${could === 1 ? '1 officer holds' : `${could} officers hold`} a quorum key and ${could === 1 ? 'is' : 'are'} not locked. With M = ${m}, ${value.service} could never gather its approvals, and quorumd will refuse unless forced.`),
        button(`Set M of ${value.service} to ${m} anyway (force)`, () => void set(value, m, true), { kind: 'danger' }),
      );
      return;
    }
    if (m === 1 && !confirm(`M = 1 turns the quorum off for ${value.service}: any officer runs its commands alone. Go on?`)) return;
    try {
      await runWithQuorum(
        state,
        outcome,
        {
          service: 'QUORUM_MGMT',
          operation: { command: 'setMValue', args: { service: value.service, m, ...(force ? { force: true } : {}) } },
          run: async (quorumToken) => {
            const after = await state.api.json<MValue>('PUT', `/v1/quorum/values/${value.service}`, { m, ...(force ? { force: true } : {}), ...(quorumToken ? { quorumToken } : {}) });
            await load();
            return `M of ${after.service} is ${after.m}.`;
          },
        },
        signal,
      );
    } catch (err) {
      if (err instanceof ApiError && err.code === 'RET_M_EXCEEDS_APPROVERS') {
        outcome.append(button(`Set M of ${value.service} to ${m} anyway (force)`, () => void set(value, m, true), { kind: 'danger' }));
      }
    }
  };

  replace(
    main,
    el('h1', {}, 'Quorum (M values)'),
    el('p', {}, 'M is how many officers must approve a service’s operations (1 turns the quorum off). Changing it needs the QUORUM_MGMT quorum, and the larger of the two M values.'),
    table,
    outcome,
  );
  void state.loadUsers().catch(() => undefined);
  void load();
}
