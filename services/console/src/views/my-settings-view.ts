import { describeError } from '../api-client';
import type { ConsoleState } from '../console-state';
import { el, field, notice, replace } from '../dom';
import { localTime } from '../operation-text';

interface NotificationsView {
  notifications: { email?: string; chat?: { url: string; format: 'slack' }; events?: string[] } | null;
  deliveries: { at: string; event: string; tokenId: string; channel: string; outcome: string; attempt?: number; final?: boolean; detail?: string }[];
}

/** The events one may choose (break-glass is always sent). */
const EVENTS: [string, string][] = [
  ['approval.requested', 'A token asks for my approval'],
  ['approval.reminder', 'Reminders before a token I have not decided expires'],
  ['approval.escalated', 'Escalations to a group I am in'],
  ['token.approved', 'My request was approved'],
  ['token.rejected', 'My request was rejected'],
  ['token.expired', 'My request expired'],
];

/** My settings: the officer's e-mail and chat channels, the events it hears of, and its latest deliveries and failures. */
export function renderMySettings(main: HTMLElement, state: ConsoleState, signal: AbortSignal): void {
  const me = state.session?.user.id;
  if (me === undefined) return;
  const email = el('input', { attrs: { type: 'email', maxlength: '254', autocomplete: 'email', name: 'email' } });
  const chat = el('input', { attrs: { type: 'url', maxlength: '2048', placeholder: 'the incoming-webhook URL (Slack, Mattermost, Rocket.Chat)', name: 'chat-url' } });
  const boxes = EVENTS.map(([event, label]) => ({ event, label, box: el('input', { attrs: { type: 'checkbox', name: event } }) }));
  const status = el('div', { attrs: { 'aria-live': 'polite' } });
  const deliveries = el('div', { id: 'deliveries' });

  const show = (view: NotificationsView) => {
    const n = view.notifications;
    email.value = n?.email ?? '';
    chat.value = n?.chat?.url ?? '';
    for (const b of boxes) b.box.checked = !n?.events || n.events.includes(b.event);
    replace(
      deliveries,
      view.deliveries.length === 0
        ? el('p', {}, 'Nothing delivered yet.')
        : el(
            'table',
            {},
            el('thead', {}, el('tr', {}, ...['When', 'Channel', 'Event', 'Token', 'Outcome'].map((h) => el('th', {}, h)))),
            el(
              'tbody',
              {},
              ...view.deliveries.map((d) =>
                el(
                  'tr',
                  { class: d.outcome === 'failed' ? 'failed' : '' },
                  el('td', {}, localTime(d.at)),
                  el('td', {}, d.channel),
                  el('td', {}, d.event),
                  el('td', {}, el('a', { attrs: { href: `#/tokens/${d.tokenId}` } }, d.tokenId.slice(0, 8))),
                  el('td', {}, d.outcome === 'failed' ? `failed (attempt ${d.attempt ?? '?'}${d.final ? ', given up' : ''}): ${d.detail ?? ''}` : d.outcome === 'dropped' ? `not sent: ${d.detail ?? ''}` : 'sent'),
                ),
              ),
            ),
          ),
    );
  };

  const load = async () => {
    try {
      show(await state.api.json<NotificationsView>('GET', `/v1/users/${me}/notifications`));
    } catch (err) {
      if (!signal.aborted) replace(status, notice('error', describeError(err)));
    }
  };

  const save = async () => {
    const chosen = boxes.filter((b) => b.box.checked).map((b) => b.event);
    const body = {
      ...(email.value.trim() ? { email: email.value.trim() } : {}),
      ...(chat.value.trim() ? { chat: { url: chat.value.trim(), format: 'slack' } } : {}),
      ...(chosen.length < boxes.length ? { events: chosen } : {}),
    };
    replace(status, notice('info', 'Saving…'));
    try {
      show(await state.api.json<NotificationsView>('PUT', `/v1/users/${me}/notifications`, body));
      replace(status, notice('ok', 'Saved.'));
    } catch (err) {
      replace(status, notice('error', describeError(err)));
    }
  };

  replace(
    main,
    el(
      'form',
      {
        class: 'card',
        id: 'my-settings',
        on: {
          submit: (event) => {
            event.preventDefault();
            void save();
          },
        },
      },
      el('h1', {}, 'My settings'),
      el('p', {}, 'Where quorumd tells you of tokens. Every message links to the token’s page here; approving always needs your own signature.'),
      field('E-mail', email, 'Leave empty for no e-mail.'),
      field('Chat incoming webhook', chat, 'Slack, Mattermost or Rocket.Chat; leave empty for none.'),
      el('fieldset', {}, el('legend', {}, 'Tell me when'), ...boxes.map((b) => el('label', { class: 'check' }, b.box, ` ${b.label}`)), el('small', {}, 'Break-glass requests always reach every channel.')),
      el('button', { class: 'primary', attrs: { type: 'submit' } }, 'Save'),
      status,
    ),
    el('section', { class: 'card' }, el('h2', {}, 'Latest deliveries'), deliveries),
  );
  void load();
}
