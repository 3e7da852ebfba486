import { ApiError, describeError } from '../api-client';
import { visibleText } from '@quorumd/core/dist/visible-text';
import type { UserView } from '../api-types';
import type { ConsoleState } from '../console-state';
import { button, el, field, notice, replace } from '../dom';
import { runWithQuorum } from '../quorum-flow';

/** Users (listUsers): create and delete through the USER_MGMT quorum. */
export function renderUsers(main: HTMLElement, state: ConsoleState, signal: AbortSignal): void {
  const table = el('div', {});
  const outcome = el('div', { attrs: { 'aria-live': 'polite' } });
  const type = el('select', {}, el('option', { attrs: { value: 'CU' } }, 'CU (crypto user)'), el('option', { attrs: { value: 'CO' } }, 'CO (crypto officer)'));
  const name = el('input', { attrs: { maxlength: '31', autocomplete: 'off' } });
  const password = el('input', { attrs: { type: 'password', autocomplete: 'new-password', maxlength: '128' } });

  const draw = () => {
    const users = [...state.users.values()].sort((a, b) => a.id - b.id);
    replace(
      table,
      el(
        'table',
        {},
        el('thead', {}, el('tr', {}, ...['ID', 'Type', 'Name', 'MofnPubKey', 'LoginFailureCnt', 'Locked', 'One-time password', '2FA', 'HSM user name', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, ...users.map((u) => row(u))),
      ),
    );
  };
  const row = (u: UserView) =>
    el(
      'tr',
      { attrs: { 'data-user': u.name } },
      el('td', {}, String(u.id)),
      el('td', {}, u.type),
      el('td', {}, u.name),
      el('td', {}, u.mofnPubKey ? 'YES' : 'NO'),
      el('td', {}, String(u.loginFailureCnt)),
      el('td', {}, u.locked ? 'LOCKED' : 'no'),
      el('td', { attrs: { title: 'YES: the password was chosen by someone else and works once; the user must set its own' } }, u.passwordChangeRequired ? 'YES' : 'no'),
      el('td', {}, u.twoFactor ? 'YES' : 'NO'),
      el('td', {}, u.hsmUsername),
      el('td', {}, u.id === state.session?.user.id ? '' : button(`Delete ${u.name}`, () => void remove(u), { kind: 'danger' })),
    );

  const create = async () => {
    const args = { type: type.value, name: name.value.trim() };
    const secret = password.value;
    try {
      await runWithQuorum(
        state,
        outcome,
        {
          service: 'USER_MGMT',
          operation: { command: 'createUser', args },
          run: async (quorumToken) => {
            const { user } = await state.api.json<{ user: UserView }>('POST', '/v1/users', { ...args, password: secret, ...(quorumToken ? { quorumToken } : {}) });
            password.value = '';
            await state.loadUsers();
            return `created ${user.type} ${user.name} (user ${user.id}).`;
          },
        },
        signal,
      );
    } catch {
      // said in `outcome`
    }
  };

  const remove = async (user: UserView, force = false) => {
    // A native dialog is no page: the name goes in with its control and direction characters written as escapes.
    if (!force && !confirm(`Delete ${user.type} ${visibleText(user.name)} (user ${user.id})? Its sessions and API keys end with it.`)) return;
    try {
      await runWithQuorum(
        state,
        outcome,
        {
          service: 'USER_MGMT',
          operation: { command: 'deleteUser', args: { id: user.id, ...(force ? { force: true } : {}) } },
          run: async (quorumToken) => {
            await state.api.json('DELETE', `/v1/users/${user.id}`, { ...(quorumToken ? { quorumToken } : {}), ...(force ? { force: true } : {}) });
            await state.loadUsers();
            return `deleted ${user.name}.`;
          },
        },
        signal,
      );
    } catch (err) {
      if (err instanceof ApiError && err.code === 'RET_M_EXCEEDS_APPROVERS') {
        outcome.append(
          notice('error', `Lock-out guard: ${err.message}. Deleting ${user.name} would leave a service needing more approvals than officers could give.`),
          button(`Delete ${user.name} anyway (force)`, () => void remove(user, true), { kind: 'danger' }),
        );
      }
    }
  };

  replace(
    main,
    el('h1', {}, 'Users'),
    table,
    el(
      'form',
      {
        class: 'card',
        on: {
          submit: (event) => {
            event.preventDefault();
            void create();
          },
        },
      },
      el('h2', {}, 'Create a user'),
      el('p', {}, 'createUser needs the USER_MGMT quorum (a CO needs every service’s): when it does, a token is requested for exactly this user, and the user is created once officers approve it.'),
      field('User type', type),
      field('New user’s name', name),
      field('New user’s password', password, '7 to 128 characters. For a crypto officer (CO) created through a quorum it works once: the new officer must set a password of its own at its first login.'),
      el('button', { class: 'primary', attrs: { type: 'submit' } }, 'Create user'),
    ),
    outcome,
  );
  draw();
  state.subscribe(draw, signal);
  void state.loadUsers().catch((err: unknown) => replace(outcome, notice('error', describeError(err))));
}
