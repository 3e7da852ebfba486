import { describeError } from '../api-client';
import { el, field, notice, replace } from '../dom';

/**
 * Sets the signed-in officer's own password from its current one. The change ends every
 * session of the officer, the console's too: it resolves once the console is signed in again
 * with the new password (and rejects, leaving the form, when the change was refused).
 */
export type SetOwnPassword = (currentPassword: string, password: string) => Promise<void>;

/**
 * The form for one's own password: the current one (for an officer whose password someone
 * else chose, that one-time password), the new one twice.
 */
export function passwordForm(setOwnPassword: SetOwnPassword, text: { heading: string; intro: string; current: string }): HTMLElement {
  const secret = (autocomplete: string) => el('input', { attrs: { type: 'password', autocomplete, required: '', maxlength: '128' } });
  const current = secret('current-password');
  const next = secret('new-password');
  const again = secret('new-password');
  next.minLength = 7;
  const status = el('div', { attrs: { 'aria-live': 'polite' } });
  const submit = async () => {
    if (next.value !== again.value) return replace(status, notice('error', 'The two new passwords differ: type the same one twice.'));
    if (next.value === current.value) return replace(status, notice('error', 'Choose a new password: it must differ from the current one.'));
    replace(status, notice('info', 'Setting your password…'));
    try {
      await setOwnPassword(current.value, next.value);
    } catch (err) {
      replace(status, notice('error', describeError(err)));
    } finally {
      for (const input of [current, next, again]) input.value = '';
    }
  };
  return el(
    'form',
    {
      class: 'card narrow',
      on: {
        submit: (event) => {
          event.preventDefault();
          void submit();
        },
      },
    },
    el('h1', {}, text.heading),
    el('p', {}, text.intro),
    field(text.current, current),
    field('New password', next, '7 to 128 characters.'),
    field('New password again', again),
    el('button', { class: 'primary', attrs: { type: 'submit' } }, 'Set my password'),
    status,
  );
}

/** My password: an officer sets its own (every session of the officer ends; this tab signs in again with the new one). */
export function renderMyPassword(main: HTMLElement, setOwnPassword: SetOwnPassword): void {
  replace(
    main,
    passwordForm(setOwnPassword, {
      heading: 'My password',
      intro: 'Setting your password ends every session of yours (other tabs, the CLI); this tab signs in again with the new one.',
      current: 'Current password',
    }),
  );
}
