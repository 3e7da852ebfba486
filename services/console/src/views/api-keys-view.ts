import { describeError } from '../api-client';
import { visibleText } from '@quorumd/core/dist/visible-text';
import type { ApiKeyView } from '../api-types';
import type { ConsoleState } from '../console-state';
import { button, el, field, notice, replace } from '../dom';
import { localTime } from '../operation-text';

const SCOPES = ['tokens:issue', 'tokens:read', 'tokens:consume'];

/** API keys for automation: list, create (the key is shown once), revoke. */
export function renderApiKeys(main: HTMLElement, state: ConsoleState): void {
  const table = el('div', {});
  const outcome = el('div', { attrs: { 'aria-live': 'polite' } });
  const name = el('input', { attrs: { pattern: '[A-Za-z0-9_.\\-]{1,64}', maxlength: '64', autocomplete: 'off' } });
  const boxes = SCOPES.map((scope) => ({ scope, box: el('input', { attrs: { type: 'checkbox', checked: '' } }) }));

  const load = async () => {
    try {
      const { apiKeys } = await state.api.json<{ apiKeys: ApiKeyView[] }>('GET', '/v1/api-keys');
      replace(
        table,
        apiKeys.length === 0
          ? el('p', {}, 'No API keys.')
          : el(
              'table',
              {},
              el('thead', {}, el('tr', {}, ...['ID', 'Name', 'Scopes', 'Owner', 'Created', ''].map((h) => el('th', {}, h)))),
              el(
                'tbody',
                {},
                ...apiKeys.map((k) =>
                  el(
                    'tr',
                    {},
                    el('td', {}, el('code', {}, k.id)),
                    el('td', {}, k.name),
                    el('td', {}, k.scopes.join(', ')),
                    el('td', {}, state.users.get(k.ownerId)?.name ?? `user ${k.ownerId}`),
                    el('td', {}, localTime(k.createdAt)),
                    el('td', {}, button(`Revoke ${k.name}`, () => void revoke(k), { kind: 'danger' })),
                  ),
                ),
              ),
            ),
      );
    } catch (err) {
      replace(table, notice('error', describeError(err)));
    }
  };

  const create = async () => {
    const scopes = boxes.filter((b) => b.box.checked).map((b) => b.scope);
    try {
      const created = await state.api.json<{ apiKey: ApiKeyView; key: string }>('POST', '/v1/api-keys', { name: name.value.trim(), ...(scopes.length > 0 ? { scopes } : {}) });
      replace(
        outcome,
        notice('ok', `Created ${created.apiKey.name}. Copy the key now; it is not shown again:`),
        el('pre', { class: 'secret' }, created.key),
      );
      name.value = '';
      await load();
    } catch (err) {
      replace(outcome, notice('error', describeError(err)));
    }
  };

  const revoke = async (key: ApiKeyView) => {
    if (!confirm(`Revoke the API key ${visibleText(key.name)}? Automation using it stops working.`)) return;
    try {
      await state.api.json('DELETE', `/v1/api-keys/${key.id}`);
      replace(outcome, notice('ok', `Revoked ${key.name}.`));
      await load();
    } catch (err) {
      replace(outcome, notice('error', describeError(err)));
    }
  };

  replace(
    main,
    el('h1', {}, 'API keys'),
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
      el('h2', {}, 'Create an API key'),
      field('Key name', name, 'Letters, digits, _ . -'),
      el('fieldset', {}, el('legend', {}, 'Scopes'), ...boxes.map(({ scope, box }) => field(scope, box))),
      el('button', { class: 'primary', attrs: { type: 'submit' } }, 'Create API key'),
    ),
    outcome,
  );
  void load();
}
