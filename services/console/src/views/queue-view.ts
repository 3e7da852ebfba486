import type { TokenView } from '../api-types';
import type { ConsoleState } from '../console-state';
import { el, replace } from '../dom';
import { approvalCount, describeOperation, userName } from '../operation-text';
import { breakGlassBadge } from './break-glass-badge';
import { tickTimeLeft, timeLeftText } from './time-left';

/** My queue: the tokens this officer can still decide on, live (the session's queue stream). */
export function renderQueue(main: HTMLElement, state: ConsoleState, signal: AbortSignal): void {
  const list = el('ul', { class: 'queue', attrs: { 'aria-label': 'Tokens awaiting my decision' } });
  const summary = el('p', { attrs: { role: 'status' } });
  const draw = () => {
    const tokens = state.queue;
    summary.textContent =
      tokens.length === 0
        ? 'Nothing awaits your decision. New tokens appear here as they are requested.'
        : `${tokens.length === 1 ? '1 token awaits' : `${tokens.length} tokens await`} your decision, soonest expiry first.`;
    replace(list, ...tokens.map((token) => queueItem(token, state)));
  };
  // A click anywhere on a card opens its token (the id stays the link keyboards and screen readers use).
  list.addEventListener('click', (event) => {
    const target = event.target as Element | null;
    if (!target || target.closest('a, button, input, select, textarea')) return;
    const card = target.closest('li.token');
    const id = card?.getAttribute('data-token-id');
    if (id && !window.getSelection()?.toString()) location.hash = `#/tokens/${id}`;
  });
  replace(main, el('h1', {}, 'My queue'), summary, list);
  draw();
  state.subscribe(draw, signal);
  tickTimeLeft(main, signal);
}

function queueItem(token: TokenView, state: ConsoleState): HTMLElement {
  const approvers = token.approvals.map((a) => userName(state.users, a.userId));
  const still = Math.max(0, token.required - token.approvals.length);
  return el(
    'li',
    { class: 'token', attrs: { 'data-token-id': token.id } },
    el('a', { class: 'token-id', attrs: { href: `#/tokens/${token.id}` } }, token.id),
    breakGlassBadge(token),
    el('p', { class: 'operation' }, ...describeOperation(token, state.users)),
    el(
      'dl',
      {},
      el('dt', {}, 'Requester'),
      el('dd', {}, el('bdi', {}, token.requester.name), ` (${token.requester.kind === 'apikey' ? 'API key' : 'user'})`),
      el('dt', {}, 'Service'),
      el('dd', {}, el('bdi', {}, token.service)),
      el('dt', {}, 'Operation'),
      el('dd', {}, el('bdi', {}, token.operation.command)),
      el('dt', {}, 'Time left'),
      el('dd', {}, timeLeftText(token.expiresAt)),
      el('dt', {}, 'Approvals'),
      el(
        'dd',
        { class: 'approvals' },
        `${approvalCount(token)}`,
        approvers.length > 0 ? el('span', {}, ' — approved by ', ...approvers.flatMap((name, i) => [i > 0 ? ', ' : null, el('bdi', {}, name)])) : ' — none yet',
        still > 0 ? `; ${still} more needed` : '',
      ),
    ),
  );
}
