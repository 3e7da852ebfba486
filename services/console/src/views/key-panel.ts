import type { ConsoleState } from '../console-state';
import { button, el, field, notice, replace } from '../dom';
import { KeyFileError, formatFingerprint, readPrivateKey } from '../signing-key';

/**
 * The "Private key" field: the officer picks a PEM file (and types its passphrase when it is
 * encrypted); the key is read in this tab, its fingerprint shown, and it is kept (in memory,
 * for this sign-in) only when it is the officer's registered key. A wrong key is refused
 * here, before anything is sent.
 */
export function keyPanel(state: ConsoleState, signal: AbortSignal): HTMLElement {
  const file = el('input', { attrs: { type: 'file', accept: '.pem,.key,.txt,application/x-pem-file,application/x-x509-ca-cert' } });
  const passphrase = el('input', { attrs: { type: 'password', autocomplete: 'off' } });
  const status = el('div', { class: 'key-status' });
  let pem: string | undefined;
  let message: HTMLElement | null = null;

  const fileField = field('Private key', file, 'A PEM file: PKCS#8, PKCS#1, or encrypted PKCS#8. It is read here and never leaves this browser.');
  const passphraseField = field('Passphrase', passphrase, 'Only for an encrypted key.');
  let choosing = false;
  const another = button('Use another key file', () => {
    choosing = true;
    describe();
    file.focus();
  });
  // One status at a time, always the current one: the last problem, else the loaded key; and
  // while a key is loaded the file field (which would say "No file chosen") gives way to it.
  const describe = () => {
    const registered = state.me?.fingerprint;
    const key = state.signingKey;
    const loaded = key !== undefined && message === null;
    fileField.hidden = loaded && !choosing;
    passphraseField.hidden = loaded && !choosing;
    another.hidden = !loaded || choosing;
    replace(
      status,
      registered
        ? el('p', {}, 'Your registered key: ', el('code', { class: 'fingerprint' }, formatFingerprint(registered)))
        : notice('error', 'You have no registered quorum key: make and register one under “My key”.'),
      message ?? (key ? notice('ok', `Key loaded: ${formatFingerprint(key.fingerprint)} — your registered key (${key.bits}-bit RSA, read by ${key.reader}). It stays in this tab.`) : null),
    );
  };
  const say = (next: HTMLElement | null) => {
    message = next;
    describe();
  };

  const load = async () => {
    if (pem === undefined) return;
    say(notice('info', 'Reading the key…'));
    try {
      const key = await readPrivateKey(pem, passphrase.value);
      pem = undefined;
      // The passphrase did its work: it stays in no field of the page.
      passphrase.value = '';
      const registered = state.me?.fingerprint;
      if (key.fingerprint !== registered) {
        message = notice(
          'error',
          `Refused: this key (${formatFingerprint(key.fingerprint)}) is not your registered quorum key${registered ? ` (${formatFingerprint(registered)})` : ''}. Nothing was sent.`,
        );
        state.signingKey = undefined;
        state.changed();
        return;
      }
      message = null;
      choosing = false;
      state.signingKey = key;
      state.changed();
    } catch (err) {
      if (!(err instanceof KeyFileError && err.needsPassphrase)) pem = undefined;
      say(notice('error', err instanceof Error ? err.message : String(err)));
      if (err instanceof KeyFileError && err.needsPassphrase) passphrase.focus();
    } finally {
      file.value = '';
    }
  };

  file.addEventListener('change', () => {
    const picked = file.files?.[0];
    if (!picked) return;
    if (picked.size > 64 * 1024) {
      say(notice('error', 'This file is too large to be a PEM key'));
      return;
    }
    void picked.text().then((text) => {
      pem = text;
      return load();
    });
  });
  passphrase.addEventListener('change', () => void load());
  passphrase.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void load();
    }
  });
  describe();
  state.subscribe(describe, signal);
  return el(
    'section',
    { class: 'card key-panel', attrs: { 'aria-label': 'Key for signing' } },
    el('h2', {}, 'Your key'),
    fileField,
    passphraseField,
    status,
    another,
  );
}
