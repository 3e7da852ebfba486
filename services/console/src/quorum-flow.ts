import { ApiError, describeError } from './api-client';
import type { TokenView } from './api-types';
import type { ConsoleState } from './console-state';
import { el, notice, replace } from './dom';
import { followEvents } from './event-stream';
import { approvalCount } from './operation-text';

export interface ProtectedRun {
  /** The quorum service that governs the command (USER_MGMT, QUORUM_MGMT). */
  service: string;
  /** Exactly the operation the command will check its token against. */
  operation: { command: string; args: Record<string, unknown> };
  /** Runs the command, with a token once one is approved. */
  run: (quorumToken?: string) => Promise<string>;
}

/**
 * A protected command through the quorum: run it; when quorumd answers RET_MXN_AUTH_FAILED,
 * request a token for exactly that operation, follow it live (approvals so far, of what it
 * needs), and run the command with it once it is APPROVED. Says how it went in `out`.
 */
export async function runWithQuorum(state: ConsoleState, out: HTMLElement, command: ProtectedRun, signal: AbortSignal): Promise<void> {
  try {
    replace(out, notice('ok', await command.run()));
    return;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'RET_MXN_AUTH_FAILED')) {
      replace(out, notice('error', describeError(err)));
      throw err;
    }
  }
  let token: TokenView;
  try {
    token = (await state.api.json<{ token: TokenView }>('POST', '/v1/tokens', { service: command.service, operation: command.operation })).token;
  } catch (err) {
    replace(out, notice('error', `The quorum token could not be requested: ${describeError(err)}`));
    throw err;
  }
  const progress = el('p', { attrs: { role: 'status' } });
  replace(
    out,
    el(
      'div',
      { class: 'quorum-run' },
      el('p', {}, `This needs the quorum of ${token.service}. Requested token `, el('a', { attrs: { href: `#/tokens/${token.id}` } }, token.id), ' for exactly this operation; officers approve it from their queue.'),
      progress,
    ),
  );
  const show = () => {
    replace(progress, `Token ${token.status}: ${approvalCount(token)} approvals.`);
  };
  show();
  await new Promise<void>((resolve) => {
    const stop = new AbortController();
    signal.addEventListener('abort', () => stop.abort(), { once: true });
    let ran = false;
    followEvents(
      state.api,
      `/v1/tokens/${token.id}/events`,
      (event) => {
        if (event.event !== 'status') return;
        token = JSON.parse(event.data) as TokenView;
        show();
        if (token.status === 'APPROVED' && !ran) {
          ran = true;
          stop.abort();
          void command.run(token.id).then(
            (message) => out.append(notice('ok', `Approved, and done: ${message}`)),
            (err: unknown) => out.append(notice('error', describeError(err))),
          );
          resolve();
        } else if (!['PENDING', 'APPROVED'].includes(token.status)) {
          stop.abort();
          out.append(notice('error', `The token was ${token.status}: nothing was run.`));
          resolve();
        }
      },
      { signal: stop.signal, done: () => stop.signal.aborted },
    );
    stop.signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
