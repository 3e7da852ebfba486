import { describeError } from './api-client';
import type { Session } from './api-types';
import { ConsoleState } from './console-state';
import { button, el, field, notice, replace } from './dom';
import { followEvents } from './event-stream';
import { renderApiKeys } from './views/api-keys-view';
import { renderAudit } from './views/audit-view';
import { renderMyKey } from './views/my-key-view';
import { passwordForm, renderMyPassword } from './views/my-password-view';
import { renderMySettings } from './views/my-settings-view';
import { renderQueue } from './views/queue-view';
import { renderQuorumValues } from './views/quorum-values-view';
import { renderServices } from './views/services-view';
import { renderToken } from './views/token-view';
import { renderUsers } from './views/users-view';

/**
 * The approver console: sign in, then a page per hash route (#/queue, #/tokens/<id>, #/key,
 * #/password, #/users, #/quorum, #/services, #/audit, #/api-keys). The officer's queue is followed for the
 * whole sign-in (its count is in the page title and the menu). An officer whose password
 * someone else chose (a one-time password) is led to set its own first, and goes on from there.
 */
const root = document.getElementById('app') as HTMLElement;
/** While the officer's own password changes: the end of the session it was changed from is expected. */
let renewing = false;
const state = new ConsoleState(() => {
  if (!renewing) endSession('Your session ended (signed out elsewhere, expired, or your password changed): sign in again.');
});
let pageAbort = new AbortController();
let sessionAbort = new AbortController();
/** Said once above the next page. */
let news: string | undefined;

const PAGES: { hash: string; label: string; render: (root: HTMLElement, state: ConsoleState, signal: AbortSignal, arg: string) => void }[] = [
  { hash: 'queue', label: 'My queue', render: renderQueue },
  { hash: 'key', label: 'My key', render: renderMyKey },
  { hash: 'password', label: 'My password', render: (main) => renderMyPassword(main, setOwnPassword) },
  { hash: 'settings', label: 'My settings', render: renderMySettings },
  { hash: 'users', label: 'Users', render: renderUsers },
  { hash: 'quorum', label: 'Quorum (M values)', render: renderQuorumValues },
  { hash: 'services', label: 'Services', render: renderServices },
  { hash: 'audit', label: 'Audit log', render: renderAudit },
  { hash: 'api-keys', label: 'API keys', render: renderApiKeys },
];

function updateTitle(): void {
  const count = state.queue.length;
  document.title = state.session ? `(${count}) quorumd console` : 'quorumd console';
  const link = document.getElementById('nav-queue');
  if (link) link.textContent = `My queue (${count})`;
}

function renderSignIn(message?: string): void {
  pageAbort.abort();
  const name = el('input', { attrs: { autocomplete: 'username', required: '', maxlength: '31' } });
  const password = el('input', { attrs: { type: 'password', autocomplete: 'current-password', required: '', maxlength: '128' } });
  const status = el('div', {});
  const form = el(
    'form',
    {
      class: 'card narrow',
      on: {
        submit: (event) => {
          event.preventDefault();
          void (async () => {
            replace(status, notice('info', 'Signing in…'));
            try {
              const session = await state.api.json<Session>('POST', '/v1/sessions', { name: name.value, password: password.value });
              password.value = '';
              state.signIn(session);
              await startSession();
            } catch (err) {
              replace(status, notice('error', describeError(err)));
            }
          })();
        },
      },
    },
    el('h1', {}, 'Sign in'),
    el('p', {}, 'quorumd approver console: review quorum tokens, sign them with your key in this browser, and approve or reject them.'),
    field('Name', name),
    field('Password', password),
    el('button', { class: 'primary', attrs: { type: 'submit' } }, 'Sign in'),
    status,
  );
  replace(root, el('main', {}, message ? notice('info', message) : null, form));
  updateTitle();
  name.focus();
}

/**
 * The officer's own password, then a sign-in with it: the change ends every session of the
 * officer, this one too. Then the console goes on at the queue as after any sign-in.
 */
async function setOwnPassword(currentPassword: string, password: string): Promise<void> {
  const user = state.session?.user;
  if (!user) return;
  renewing = true;
  try {
    await state.api.json('PUT', `/v1/users/${user.id}/password`, { password, currentPassword });
    try {
      state.signIn(await state.api.json<Session>('POST', '/v1/sessions', { name: user.name, password }));
    } catch (err) {
      return endSession(`Your password is set, but signing in with it failed (${describeError(err)}): sign in again.`);
    }
  } finally {
    renewing = false;
  }
  news = 'Your password is set, and you are signed in with it.';
  history.replaceState(null, '', '#/queue');
  await startSession();
}

/** A session with a one-time password can do nothing but set the officer's own: the only page it gets. */
function renderFirstPassword(): void {
  pageAbort.abort();
  const name = state.session?.user.name ?? '';
  replace(
    root,
    el(
      'main',
      {},
      passwordForm(setOwnPassword, {
        heading: 'Set your own password',
        intro: `The password you signed in with as ${name} was chosen by someone else and works once. Set one of your own to go on: until then this session can do nothing else (no key, no approvals).`,
        current: 'One-time password',
      }),
      el('p', { class: 'narrow' }, button('Sign out', () => void signOut())),
    ),
  );
  updateTitle();
}

async function startSession(): Promise<void> {
  sessionAbort.abort();
  sessionAbort = new AbortController();
  if (state.session?.user.type !== 'CO') {
    renderSignIn('The console is for crypto officers (CO); this user is not one.');
    await state.api.json('DELETE', '/v1/sessions/current').catch(() => undefined);
    state.forget();
    return;
  }
  if (state.session.user.passwordChangeRequired) return renderFirstPassword();
  try {
    await state.loadUsers();
  } catch (err) {
    return endSession(describeError(err));
  }
  followEvents(
    state.api,
    '/v1/officers/me/pending/events',
    (event) => {
      if (event.event === 'pending') state.setQueue((JSON.parse(event.data) as { tokens: typeof state.queue }).tokens);
    },
    { signal: sessionAbort.signal, onRefused: (status) => (status === 401 && !renewing ? endSession('Your session ended: sign in again.') : undefined) },
  );
  state.subscribe(updateTitle, sessionAbort.signal);
  route();
}

function endSession(message?: string): void {
  sessionAbort.abort();
  pageAbort.abort();
  state.forget();
  if (location.hash !== '') history.replaceState(null, '', location.pathname);
  renderSignIn(message);
}

async function signOut(): Promise<void> {
  await state.api.json('DELETE', '/v1/sessions/current').catch(() => undefined);
  endSession('Signed out. Your private key and everything else this tab held are forgotten.');
}

function route(): void {
  if (!state.session) return renderSignIn();
  if (state.session.user.passwordChangeRequired) return renderFirstPassword();
  pageAbort.abort();
  pageAbort = new AbortController();
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const name = parts[0] || 'queue';
  const arg = parts[1] ?? '';
  const page = PAGES.find((p) => p.hash === name);
  const main = el('main', {});
  const session = state.session;
  const header = el(
    'header',
    {},
    el('a', { class: 'brand', attrs: { href: '#/queue' } }, 'quorumd console'),
    el(
      'nav',
      { attrs: { 'aria-label': 'Console' } },
      ...PAGES.map((p) =>
        el('a', { id: `nav-${p.hash}`, attrs: { href: `#/${p.hash}`, 'aria-current': p.hash === name ? 'page' : undefined } }, p.label),
      ),
    ),
    el('span', { class: 'who' }, `${session.user.name} (${session.user.type})`),
    button('Sign out', () => void signOut()),
  );
  replace(root, header, news ? notice('ok', news) : null, main);
  news = undefined;
  updateTitle();
  if (name === 'tokens' && arg) renderToken(main, state, pageAbort.signal, arg);
  else if (page) page.render(main, state, pageAbort.signal, arg);
  else replace(main, notice('error', `No page “${name}” here.`), el('a', { attrs: { href: '#/queue' } }, 'Back to my queue'));
}

window.addEventListener('hashchange', route);
if (state.session) void startSession();
else renderSignIn();
