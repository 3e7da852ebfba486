import { ApiError, describeError } from '../api-client';
import type { TokenView } from '../api-types';
import { bytesToHex } from '../byte-encoding';
import type { ConsoleState } from '../console-state';
import { hasHiddenCharacters, hasRightToLeftLetters } from '@quorumd/core/dist/visible-text';
import { button, el, field, notice, replace } from '../dom';
import { followEvents } from '../event-stream';
import { approvalCount, describeOperation, localTime, userName } from '../operation-text';
import { approvalAssertion } from '../passkeys';
import { formatFingerprint, sha256Hex } from '../signing-key';
import { breakGlassBadge, breakGlassFacts } from './break-glass-badge';
import { keyPanel } from './key-panel';
import { tickTimeLeft, timeLeftText } from './time-left';

/**
 * One token: what it would allow in plain words, the exact bytes an approval signs and their
 * SHA-256, who approved and rejected when; Approve (signed here with the officer's key) and
 * Reject (with a reason). Followed live over the token's event stream.
 *
 * Every text of someone else's (arguments, bytes, names, reasons, HSM hints, server messages)
 * shows its control, direction and invisible characters as marked escapes (dom.ts), and the page
 * says so at the top when the operation or the bytes hold any: an approver is never shown
 * "0.01" for bytes that say "\u202e10.0".
 */
export function renderToken(main: HTMLElement, state: ConsoleState, signal: AbortSignal, id: string): void {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
    replace(main, notice('error', 'This is not a token id.'));
    return;
  }
  replace(main, el('h1', {}, 'Token ', el('code', {}, id)), notice('info', 'Loading…'));
  void (async () => {
    let token: TokenView;
    let bytes: Uint8Array;
    try {
      [token, bytes] = await Promise.all([
        state.api.json<{ token: TokenView }>('GET', `/v1/tokens/${id}`).then((r) => r.token),
        state.api.bytes(`/v1/tokens/${id}/bytes`),
      ]);
    } catch (err) {
      replace(main, el('h1', {}, 'Token ', el('code', {}, id)), notice('error', describeError(err)));
      return;
    }
    if (signal.aborted) return;
    const digest = await sha256Hex(bytes);
    const shownBytes = bytesAsText(bytes, token.cloudhsm !== undefined);
    const live = el('div', {});
    // The result shows where the officer clicked, and takes the focus (screen readers read it).
    const outcome = el('div', { class: 'outcome', attrs: { 'aria-live': 'polite', tabindex: '-1' } });
    const reason = el('textarea', { attrs: { rows: '2', maxlength: '500' } });
    const approveButton = button('Approve', () => void approve(), { kind: 'primary' });
    const rejectButton = button('Reject', () => void reject(), { kind: 'danger' });

    const draw = () => {
      state.knowUsers([...token.approvals.map((a) => a.userId), ...token.rejections.map((r) => r.userId), ...(token.progress ?? []).flatMap((rule) => rule.have)]);
      const myId = state.session?.user.id;
      const decided = token.approvals.some((a) => a.userId === myId) || token.rejections.some((r) => r.userId === myId);
      const open = token.status === 'PENDING' && !decided;
      approveButton.disabled = !open;
      rejectButton.disabled = !open;
      replace(
        live,
        el(
          'p',
          { class: `status status-${token.status.toLowerCase()}`, attrs: { 'data-status': token.status } },
          `Status: ${token.status} — ${approvalCount(token)} approvals`,
          token.status === 'PENDING' ? el('span', {}, ' — ', timeLeftText(token.expiresAt)) : null,
          token.status === 'APPROVED' && token.approvedExpiresAt ? el('span', {}, ' — usable until ', localTime(token.approvedExpiresAt)) : null,
        ),
        // A custom service's token: each rule of its policy and the approvers it counts (no one for two rules).
        token.progress
          ? el(
              'ul',
              { class: 'rules' },
              ...token.progress.map((rule) =>
                el(
                  'li',
                  { attrs: { 'data-group': rule.group, ...(rule.current ? { 'data-current': 'true' } : {}) } },
                  rule.current ? 'policy in force now — ' : '',
                  el('bdi', {}, rule.group),
                  `: ${rule.have.length} of ${rule.m}`,
                  rule.have.length ? el('span', {}, ' — ', ...rule.have.flatMap((id, i) => [i ? ', ' : '', el('bdi', {}, userName(state.users, id))])) : null,
                ),
              ),
            )
          : null,
        el('h2', {}, 'Approvals'),
        token.approvals.length === 0
          ? el('p', {}, 'None yet.')
          : el(
              'ul',
              { class: 'approvals' },
              ...token.approvals.map((a) =>
                el('li', {}, el('bdi', {}, userName(state.users, a.userId)), ` approved at ${localTime(a.at)} (${a.alg}, key ${formatFingerprint(a.fingerprint)}${a.passkey ? ', with a passkey' : ''})`),
              ),
            ),
        el('h2', {}, 'Rejections'),
        token.rejections.length === 0
          ? el('p', {}, 'None.')
          : el(
              'ul',
              { class: 'rejections' },
              ...token.rejections.map((r) =>
                el(
                  'li',
                  {},
                  el('bdi', {}, userName(state.users, r.userId)),
                  ` rejected at ${localTime(r.at)}: `,
                  r.reason === '' ? '(no reason given)' : el('span', { class: 'reason' }, '“', el('bdi', { class: 'value' }, r.reason), '”'),
                ),
              ),
            ),
        decided ? notice('info', 'You have decided on this token.') : null,
      );
    };

    const approve = async () => {
      const key = state.signingKey;
      const registered = state.me?.fingerprint;
      if (!key) {
        const missing = notice('error', 'Pick your private key first (the “Private key” field above). Nothing was sent.');
        missing.setAttribute('data-needs-key', '');
        replace(outcome, missing);
        return outcome.focus();
      }
      if (key.fingerprint !== registered) return replace(outcome, notice('error', 'This key is not your registered quorum key. Nothing was sent.'));
      approveButton.disabled = true;
      try {
        const signature = await key.sign(bytes);
        // A token whose policy requires a passkey: the RSA signature first, then the passkey, then both
        // (and when the deployment requires one everywhere, the server's refusal says so: ask it then).
        const send = (passkey?: unknown) => state.api.json<{ token: TokenView }>('POST', `/v1/tokens/${id}/approvals`, { signature, ...(passkey ? { passkey } : {}) });
        const asked = async () => {
          replace(outcome, notice('info', 'Signed with your key. Now confirm with your passkey…'));
          return approvalAssertion(state.api, id);
        };
        const reply = await send(token.policy?.requirePasskey === true ? await asked() : undefined).catch(async (err: unknown) => {
          if (err instanceof ApiError && err.code === 'RET_PASSKEY_REQUIRED' && token.policy?.requirePasskey !== true) return send(await asked());
          throw err;
        });
        token = reply.token;
        replace(outcome, notice('ok', `Approved: ${approvalCount(token)} approvals, status ${token.status}.`));
      } catch (err) {
        replace(outcome, notice('error', describeError(err)));
      }
      outcome.focus();
      draw();
    };

    const reject = async () => {
      rejectButton.disabled = true;
      try {
        token = (await state.api.json<{ token: TokenView }>('POST', `/v1/tokens/${id}/rejections`, { reason: reason.value })).token;
        replace(outcome, notice('ok', `Rejected. Status ${token.status}.`));
      } catch (err) {
        replace(outcome, notice('error', describeError(err)));
      }
      outcome.focus();
      draw();
    };

    replace(
      main,
      el('h1', {}, 'Token ', el('code', { class: 'token-id' }, token.id), ' ', breakGlassBadge(token)),
      hiddenCharactersBanner(token, shownBytes),
      rightToLeftNote(token),
      el(
        'section',
        { class: 'card' },
        el('h2', {}, 'What it allows'),
        el('p', { class: 'operation-words' }, ...describeOperation(token, state.users)),
        el(
          'dl',
          {},
          el('dt', {}, 'Service'),
          el('dd', {}, el('bdi', {}, token.service)),
          el('dt', {}, 'Command'),
          el('dd', {}, el('bdi', {}, token.operation.command)),
          el('dt', {}, 'Requester'),
          el('dd', {}, el('bdi', {}, token.requester.name), ` (${token.requester.kind === 'apikey' ? 'API key' : 'user'} ${String(token.requester.id)})`),
          el('dt', {}, 'Requested'),
          el('dd', {}, localTime(token.issuedAt)),
          el('dt', {}, 'Expires'),
          el('dd', {}, localTime(token.expiresAt)),
          el('dt', {}, 'M when requested'),
          el('dd', {}, String(token.m)),
          ...(token.reason !== undefined ? [el('dt', {}, 'Reason'), el('dd', {}, el('bdi', { class: 'value' }, token.reason))] : []),
          ...(token.ticket !== undefined ? [el('dt', {}, 'Ticket'), el('dd', {}, el('bdi', { class: 'value' }, token.ticket))] : []),
          ...breakGlassFacts(token),
          ...(token.policy
            ? [el('dt', {}, 'Policy (signed)'), el('dd', {}, `v${String(token.policyVersion ?? 1)}: `, token.policy.rules.map((r) => `${r.group}:${r.m}`).join(' AND '), token.policy.vetoGroups?.length ? ` (veto: ${token.policy.vetoGroups.join(', ')})` : '')]
            : []),
        ),
        token.cloudhsm ? hsmHints(token.cloudhsm) : null,
      ),
      el('section', { class: 'card' }, live),
      el(
        'section',
        { class: 'card' },
        el('h2', {}, 'The exact bytes you sign'),
        el('p', {}, 'SHA-256: ', el('code', { class: 'digest' }, digest)),
        el('p', { class: 'bytes-order' }, 'Shown strictly in the order they are signed, left to right: no character here can reorder the others.'),
        el('pre', { class: 'token-bytes', attrs: { dir: 'ltr' } }, ...shownBytes),
      ),
      keyPanel(state, signal),
      el(
        'section',
        { class: 'card decide' },
        el('h2', {}, 'Decide'),
        el('p', {}, 'Approve signs the bytes above with your private key, here in this browser (RS256), and sends only the signature.'),
        token.policy?.requirePasskey === true ? el('p', {}, 'This service requires a passkey too: after signing, your browser asks for it, over the SHA-256 of these same bytes.') : null,
        approveButton,
        field('Reason', reason, 'Sent with a rejection; the other officers see it.'),
        rejectButton,
        outcome,
      ),
    );
    draw();
    // One status per panel: once a key is loaded, "pick your key first" is no longer the current one.
    state.subscribe(() => {
      if (state.signingKey && outcome.querySelector('[data-needs-key]')) replace(outcome);
    }, signal);
    tickTimeLeft(main, signal);
    followEvents(
      state.api,
      `/v1/tokens/${id}/events`,
      (event) => {
        if (event.event !== 'status') return;
        token = JSON.parse(event.data) as TokenView;
        draw();
      },
      { signal, done: () => !['PENDING', 'APPROVED'].includes(token.status) },
    );
  })();
}

function hsmHints(cloudhsm: NonNullable<TokenView['cloudhsm']>): HTMLElement {
  const { hints } = cloudhsm;
  return el(
    'div',
    { class: 'hsm-hints' },
    el('h3', {}, 'AWS CloudHSM token'),
    el('p', {}, 'Read from the token file: hints for your review, never a security decision. You sign its approval data (the bytes below).'),
    el(
      'dl',
      {},
      el('dt', {}, 'Digest (base64)'),
      el('dd', {}, el('code', {}, cloudhsm.digest)),
      el('dt', {}, 'HSMs'),
      el('dd', {}, String(hints.hsms)),
      el('dt', {}, 'HSM service number'),
      el('dd', {}, String(hints.serviceNumber)),
      el('dt', {}, 'Generated by'),
      el('dd', {}, el('bdi', {}, hints.requester)),
      el('dt', {}, 'Generated at'),
      el('dd', {}, hints.generatedAt === null ? 'not stated' : el('bdi', {}, hints.generatedAt)),
    ),
  );
}

/** Every string in `data`, keys too. */
function stringsOf(data: unknown): string[] {
  if (typeof data === 'string') return [data];
  if (Array.isArray(data)) return data.flatMap(stringsOf);
  if (data !== null && typeof data === 'object') return Object.entries(data).flatMap(([key, item]) => [key, ...stringsOf(item)]);
  return [];
}

/**
 * The warning at the top of the page when what the officer is asked to sign holds control,
 * direction or invisible characters: where they are, and that they are shown as escapes.
 */
function hiddenCharactersBanner(token: TokenView, shownBytes: (string | Node)[]): HTMLElement | null {
  const places = [
    stringsOf(token.operation).some(hasHiddenCharacters) ? 'the operation (“What it allows”)' : null,
    shownBytes.some((part) => typeof part === 'string' && hasHiddenCharacters(part)) ? 'the exact bytes you sign' : null,
    [token.service, token.requester.name].some(hasHiddenCharacters) ? 'the service or the requester’s name' : null,
    token.cloudhsm && stringsOf(token.cloudhsm.hints).some(hasHiddenCharacters) ? 'the AWS CloudHSM token file' : null,
  ].filter((place): place is string => place !== null);
  if (places.length === 0) return null;
  return el(
    'div',
    { class: 'banner hidden-characters', attrs: { role: 'alert' } },
    el('strong', {}, 'Warning: hidden characters. '),
    `${capitalised(listed(places))} ${places.length > 1 ? 'hold' : 'holds'} control, direction or invisible characters, which can make text read other than it is written (“0.01” for “10.0”, an approval that is not one). This page shows each of them as its escape, marked like `,
    el('span', { class: 'escaped' }, '\\u202e'),
    ', never as itself. Read the values as written, and reject the token unless you know why they are there.',
  );
}

/** "a", "a and b", "a, b and c". */
function listed(items: string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}` : (items[0] ?? '');
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A note when the operation has right-to-left letters: within one value, what is shown may be ordered unlike what is written. */
function rightToLeftNote(token: TokenView): HTMLElement | null {
  if (!stringsOf(token.operation).some(hasRightToLeftLetters)) return null;
  return notice(
    'info',
    'The operation holds right-to-left letters. Each value is kept apart from the words around it, yet inside one value the order you read can differ from the order written: check it in the exact bytes below, shown strictly in signing order.',
  );
}

/**
 * quorumd's token bytes as UTF-8 text (they are JSON; dom.ts shows their control and direction characters as escapes); an AWS CloudHSM token's approval data
 * always as hex, 32 bytes a line — whatever text it might spell, it is binary records, and
 * text there would only mislead — and so anything that is not UTF-8.
 */
function bytesAsText(bytes: Uint8Array, approvalData: boolean): (string | Node)[] {
  // The line breaks are the page's own (text nodes made here): a newline in a text goes through dom.ts, and shows as \u000a.
  const hex = () => (bytesToHex(bytes).match(/.{1,64}/g) ?? []).flatMap((line, i) => (i > 0 ? [document.createTextNode('\n'), line] : [line]));
  if (approvalData) return hex();
  try {
    return [new TextDecoder('utf-8', { fatal: true }).decode(bytes)];
  } catch {
    return hex();
  }
}
