import { ApiError, describeError } from '../api-client';
import { defaultMaxCheckpointAgeMs, describeAuditVerdict, verifyAuditLedger, type AuditCheckpoint, type AuditEntry } from '@quorumd/core/dist/audit-ledger';
import { browserAuditCrypto } from '../audit-crypto';
import { checkAuditTree } from '../audit-tree-check';
import type { ConsoleState } from '../console-state';
import { button, el, notice, replace } from '../dom';
import { localTime, userName } from '../operation-text';

const PAGE = 50;

/** The audit log, newest first, a page at a time; Verify checks the whole chain here in the browser. */
export function renderAudit(main: HTMLElement, state: ConsoleState): void {
  const table = el('div', {});
  const pager = el('div', { class: 'pager' });
  const verdict = el('div', { attrs: { 'aria-live': 'polite' } });

  const show = async (from?: number) => {
    try {
      const head = await state.api.json<{ seq: number }>('GET', '/v1/audit/head');
      const start = from ?? Math.max(1, head.seq - PAGE + 1);
      const { entries } = await state.api.json<{ entries: AuditEntry[] }>('GET', `/v1/audit?from=${start}&limit=${PAGE}`);
      // Actors by name: the users read once more when an entry names one this tab does not know.
      if (entries.some((e) => /^user:(\d+)$/.exec(String(e.actor)) && !state.users.has(Number(String(e.actor).slice(5))))) await state.loadUsers().catch(() => undefined);
      replace(
        table,
        el(
          'table',
          { class: 'audit' },
          el('thead', {}, el('tr', {}, ...['Seq', 'At', 'Type', 'Actor', 'Data'].map((h) => el('th', {}, h)))),
          el(
            'tbody',
            {},
            ...[...entries].reverse().map((e) =>
              el('tr', {}, el('td', {}, String(e.seq)), el('td', {}, localTime(e.at)), el('td', {}, e.type), el('td', {}, actorText(e.actor, state)), el('td', {}, el('code', {}, JSON.stringify(e.data)))),
            ),
          ),
        ),
      );
      replace(
        pager,
        start > 1 ? button('Older', () => void show(Math.max(1, start - PAGE))) : null,
        start + PAGE <= head.seq ? button('Newer', () => void show(start + PAGE)) : null,
        el('span', {}, ` Entries ${start}–${Math.min(head.seq, start + PAGE - 1)} of ${head.seq}.`),
      );
    } catch (err) {
      replace(table, notice('error', describeError(err)));
    }
  };

  /** The raw entries (or the sealed hashes) from seq 1 up to `until`, a page of 1000 at a time. */
  const pages = async (until: number, page: (from: number, limit: number) => Promise<string[]>): Promise<string[]> => {
    const out: string[] = [];
    for (let from = 1; from <= until; from += 1000) {
      const limit = Math.min(1000, until - from + 1);
      const got = await page(from, limit);
      out.push(...got);
      if (got.length < limit) break;
    }
    return out;
  };

  const verify = async () => {
    replace(verdict, notice('info', 'Fetching the whole log and checking it…'));
    try {
      // The log grows while it is read: checkpoints first, then the head, then the entries and the sealed hashes up to that head only.
      const { checkpoints } = await state.api.json<{ checkpoints: AuditCheckpoint[] }>('GET', '/v1/audit/checkpoints');
      const latestNote = await state.api.text('/v1/audit/checkpoint').catch((err: unknown) => {
        if (err instanceof ApiError && err.code === 'RET_NOT_FOUND') return undefined;
        throw err;
      });
      const head = await state.api.json<{ seq: number; issuer: string; checkpointIntervalMs: number }>('GET', '/v1/audit/head');
      const entries = await pages(head.seq, async (from, limit) => (await state.api.text(`/v1/audit?format=raw&from=${from}&limit=${limit}`)).split('\n').filter(Boolean));
      const hashes = await pages(head.seq, async (from, limit) => (await state.api.json<{ hashes: string[] }>('GET', `/v1/audit/hashes?from=${from}&limit=${limit}`)).hashes);
      const publicKeyPem = await state.api.json<{ publicKeyPem: string }>('GET', '/v1/audit/public-key').then(
        (r) => r.publicKeyPem,
        (err: unknown) => {
          if (err instanceof ApiError && err.code === 'RET_NOT_FOUND') return undefined;
          throw err;
        },
      );
      const check = await verifyAuditLedger({ entries, headSeq: head.seq, hashes, checkpoints, issuer: head.issuer }, await browserAuditCrypto(publicKeyPem), {
        now: Date.now(),
        maxCheckpointAgeMs: defaultMaxCheckpointAgeMs(head.checkpointIntervalMs),
      });
      const oldest = checkpoints.find((c) => c.note !== undefined);
      if (!check.ok || latestNote === undefined || oldest?.note === undefined || publicKeyPem === undefined) {
        replace(verdict, notice(check.ok ? 'ok' : 'error', describeAuditVerdict(check)));
        return;
      }
      // The transparency log: the latest signed note, its root recomputed from the entries just checked, and the service's proofs.
      const size = Number(latestNote.split('\n')[1]);
      const consistency = await state.api.json<{ hashes: string[] }>('GET', `/v1/audit/proof/consistency?from=${oldest.seq}&to=${size}`);
      const inclusion = await state.api.json<{ hashes: string[] }>('GET', `/v1/audit/proof/inclusion?index=${size - 1}&size=${size}`);
      const tree = await checkAuditTree({ entries, publicKeyPem, latest: latestNote, oldest: oldest.note, consistency: consistency.hashes, inclusion: inclusion.hashes });
      replace(verdict, notice(tree.ok ? 'ok' : 'error', `${describeAuditVerdict(check)}; ${tree.line}`));
    } catch (err) {
      replace(verdict, notice('error', describeError(err)));
    }
  };

  replace(
    main,
    el('h1', {}, 'Audit log'),
    el(
      'section',
      { class: 'card' },
      el('p', {}, 'Verify fetches the raw log and its sealed hashes, recomputes the hash chain and the Merkle tree here, checks every signed checkpoint with the deployment’s audit key and the service’s consistency and inclusion proofs against them, with the same verifier as ', el('code', {}, 'quorum audit verify'), ' and ', el('code', {}, 'npm run audit:verify'), '. It does not take the service’s word for it.'),
      button('Verify the audit log', () => void verify(), { kind: 'primary' }),
      verdict,
    ),
    pager,
    table,
  );
  void show();
}

/** An audit entry's actor as a person reads it: a user by name (and id), an API key by id, the system. */
function actorText(actor: unknown, state: ConsoleState): HTMLElement {
  const text = typeof actor === 'string' ? actor : JSON.stringify(actor);
  const user = /^user:([1-9][0-9]*)$/.exec(text);
  if (user) return el('span', { attrs: { title: text } }, el('bdi', {}, userName(state.users, Number(user[1]))), ` (user ${user[1]})`);
  const apiKey = /^apikey:(.+)$/.exec(text);
  if (apiKey) return el('span', { attrs: { title: text } }, 'API key ', el('code', {}, apiKey[1] ?? ''));
  return el('span', {}, el('bdi', {}, text));
}
