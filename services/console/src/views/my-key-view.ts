import { describeError } from '../api-client';
import { base64ToBytes } from '../byte-encoding';
import type { ConsoleState } from '../console-state';
import { button, el, field, notice, replace } from '../dom';
import { download, generateKeyPair, type NewKeyPair } from '../key-pair';
import { formatFingerprint } from '../signing-key';
import { deletePasskey, registerPasskey, type PasskeyView } from '../passkeys';

/**
 * My key: make an RSA-2048 pair in this browser, download the private key (encrypted with a
 * passphrase if one is given), and register the public half by signing the server's
 * challenge with it (proof of possession). Registering replaces the current key, and the
 * votes the old key made stop counting.
 */
export function renderMyKey(main: HTMLElement, state: ConsoleState, signal: AbortSignal): void {
  const current = el('div', {});
  const steps = el('div', {});
  const outcome = el('div', { attrs: { 'aria-live': 'polite' } });
  const passphrase = el('input', { attrs: { type: 'password', autocomplete: 'new-password' } });
  let pair: NewKeyPair | undefined;
  let downloaded = false;

  const showCurrent = () => {
    const fp = state.me?.fingerprint;
    replace(
      current,
      fp
        ? el('p', {}, 'Your registered quorum key: ', el('code', { class: 'fingerprint' }, formatFingerprint(fp)))
        : notice('info', 'You have no registered quorum key yet: you cannot approve or reject until you register one.'),
    );
  };

  const drawSteps = () => {
    if (!pair) {
      replace(steps, button('Generate key pair', () => void generate(), { kind: 'primary' }));
      return;
    }
    const name = `${state.session?.user.name ?? 'officer'}-quorum-key.pem`;
    replace(
      steps,
      el('p', {}, 'New key: ', el('code', { class: 'fingerprint' }, formatFingerprint(pair.key.fingerprint)), ` (${pair.key.bits}-bit RSA)`),
      el('p', {}, downloaded ? 'Downloaded. Keep the file safe: quorumd never sees it and cannot give it back.' : 'Download the private key first: this tab does not keep it, and without the file you cannot sign after you sign out.'),
      button('Download private key', () => {
        if (!pair) return;
        download(name, pair.privatePem);
        downloaded = true;
        drawSteps();
      }),
      button('Register this key', () => void register(), { kind: 'primary' }),
    );
  };

  const generate = async () => {
    replace(outcome, notice('info', passphrase.value ? 'Generating an RSA-2048 key pair and encrypting it with your passphrase…' : 'Generating an RSA-2048 key pair…'));
    try {
      pair = await generateKeyPair(passphrase.value);
      downloaded = false;
      passphrase.value = '';
      replace(outcome);
    } catch (err) {
      replace(outcome, notice('error', describeError(err)));
    }
    drawSteps();
  };

  const register = async () => {
    const session = state.session;
    if (!pair || !session) return;
    if (!downloaded) return replace(outcome, notice('error', 'Download the private key before you register it.'));
    if (state.me?.fingerprint && !confirm('Replace your registered key? Approvals your old key made on open tokens stop counting.')) return;
    try {
      const challenge = await state.api.json<{ challengeId: string; challenge: string }>('POST', `/v1/users/${session.user.id}/quorum-key/challenge`);
      const signature = await pair.key.sign(base64ToBytes(challenge.challenge));
      const { fingerprint } = await state.api.json<{ fingerprint: string }>('PUT', `/v1/users/${session.user.id}/quorum-key`, {
        publicKeyPem: pair.publicPem,
        challengeId: challenge.challengeId,
        signature,
      });
      state.signingKey = pair.key;
      pair = undefined;
      await state.loadUsers();
      replace(outcome, notice('ok', `Registered: ${formatFingerprint(fingerprint)}. It is also loaded for this sign-in.`));
    } catch (err) {
      replace(outcome, notice('error', describeError(err)));
    }
    drawSteps();
  };

  // Passkeys: a second factor bound to the exact bytes of each approval (docs/passkeys.md).
  const passkeyList = el('div', {});
  const passkeyOutcome = el('div', { attrs: { 'aria-live': 'polite', tabindex: '-1' } });
  const passkeyName = el('input', { attrs: { type: 'text', maxlength: '64', autocomplete: 'off' } });
  const passkeyPassword = el('input', { attrs: { type: 'password', autocomplete: 'current-password' } });
  const showPasskey = (kind: 'ok' | 'error' | 'info', text: string) => {
    replace(passkeyOutcome, notice(kind, text));
    passkeyOutcome.focus();
  };
  let held = 0;
  const loadPasskeys = async () => {
    const session = state.session;
    if (!session) return;
    try {
      const { passkeys } = await state.api.json<{ passkeys: PasskeyView[] }>('GET', `/v1/users/${session.user.id}/passkeys`);
      held = passkeys.length;
      replace(
        passkeyList,
        passkeys.length === 0
          ? el('p', {}, 'No passkey yet.')
          : el(
              'ul',
              { class: 'passkeys' },
              ...passkeys.map((p) =>
                el('li', {}, el('bdi', {}, p.name), ` (${p.algorithm}, registered ${new Date(p.createdAt).toLocaleString()}) `, button(`Delete ${p.name}`, () => void removePasskey(p), { kind: 'danger' })),
              ),
            ),
      );
    } catch (err) {
      replace(passkeyList, notice('error', describeError(err)));
    }
  };
  const addPasskey = async () => {
    const session = state.session;
    if (!session) return;
    if (passkeyName.value.trim() === '') return showPasskey('error', 'Give the passkey a name first. Nothing was sent.');
    if (passkeyPassword.value === '') return showPasskey('error', 'Type your password first: passkeys are managed with it. Nothing was sent.');
    try {
      showPasskey('info', 'Follow your browser: it asks your authenticator…');
      const passkey = await registerPasskey(state.api, session.user.id, passkeyName.value.trim(), passkeyPassword.value, held > 0);
      passkeyName.value = '';
      passkeyPassword.value = '';
      showPasskey('ok', `Passkey registered: ${passkey.name}.`);
    } catch (err) {
      showPasskey('error', describeError(err));
    }
    await loadPasskeys();
  };
  const removePasskey = async (passkey: PasskeyView) => {
    const session = state.session;
    if (!session) return;
    if (passkeyPassword.value === '') return showPasskey('error', `Type your password to delete ${passkey.name}. Nothing was sent.`);
    try {
      showPasskey('info', 'Confirm with one of your passkeys…');
      await deletePasskey(state.api, session.user.id, passkey.id, passkeyPassword.value);
      passkeyPassword.value = '';
      showPasskey('ok', `Passkey deleted: ${passkey.name}.`);
    } catch (err) {
      showPasskey('error', describeError(err));
    }
    await loadPasskeys();
  };

  replace(
    main,
    el('h1', {}, 'My key'),
    el('section', { class: 'card' }, current),
    el(
      'section',
      { class: 'card' },
      el('h2', {}, 'Make a new key'),
      el('p', {}, 'The key pair is made in this browser. The private key leaves it only as the file you download; quorumd receives the public key and a signature over its challenge.'),
      field('Passphrase', passphrase, 'Optional: encrypts the downloaded private key (PKCS#8, AES-256, PBKDF2-SHA-256). openssl and the quorum CLI read it too.'),
      steps,
      outcome,
    ),
    el(
      'section',
      { class: 'card passkeys-card' },
      el('h2', {}, 'Passkeys'),
      el('p', {}, 'A service may require a passkey (a security key, or this device with its fingerprint or PIN) with each approval: it confirms the same bytes your key signs.'),
      passkeyList,
      field('Passkey name', passkeyName, 'e.g. yubikey-5c'),
      field('Your password', passkeyPassword, 'Registering or deleting a passkey needs it, and, once you hold a passkey, a confirmation by one of them.'),
      button('Register a passkey', () => void addPasskey(), { kind: 'primary' }),
      passkeyOutcome,
    ),
  );
  void loadPasskeys();
  showCurrent();
  drawSteps();
  state.subscribe(showCurrent, signal);
}
