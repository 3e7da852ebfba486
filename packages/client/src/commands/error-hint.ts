import type { QuorumError } from '@quorumd/core';
import { isFullTokenId, resolveTokenId } from '../cli-token-id';
import type { TokenView } from '../quorum-client';
import type { CliRun } from './context';

const HINTS: Partial<Record<string, string>> = {
  RET_UNAUTHORIZED: 'hint: log in with quorum loginHSM <type> <name> <password>, or set QUORUM_TOKEN',
  RET_USER_LOCKED: 'hint: a crypto officer must change this user’s password (changePswd)',
  RET_SIGNATURE_INVALID: 'hint: sign with the private key whose public half you registered',
  RET_QUORUM_KEY_NOT_REGISTERED: 'hint: quorum keygen --out DIR, then quorum register-key --key DIR/private.pem',
  RET_STORE_UNAVAILABLE: 'hint: is quorumd running at --url / QUORUM_URL?',
};

/** A one-line hint per code; for RET_MXN_AUTH_FAILED, how far the quorum is and who can still approve. */
export async function errorHint(err: QuorumError, run: CliRun): Promise<string | undefined> {
  if (err.code !== 'RET_MXN_AUTH_FAILED') return HINTS[err.code];
  const given = run.givenQuorumToken;
  const attempted = run.attempted;
  if (!given) {
    if (!attempted) return 'hint: request a token for this exact operation (quorum getToken ...), have officers sign it, then pass --quorum-token';
    const args = JSON.stringify(attempted.args).replace(/'/g, "'\\''");
    return `hint: request a token for exactly this operation: quorum getToken --service ${attempted.service} --command ${attempted.command} --args '${args}' ; have officers sign it, then run this again with --quorum-token <id>`;
  }
  try {
    const c = run.client();
    const token: TokenView = await c.getToken(isFullTokenId(given) ? given : await resolveTokenId(c, given));
    const decided = new Set([...token.approvals.map((a) => a.userId), ...token.rejections.map((r) => r.userId)]);
    const can = (await c.listUsers()).filter((u) => u.mofnPubKey && !decided.has(u.id)).map((u) => u.name);
    return `hint: ${token.approvals.length} of ${token.required} approvals; can still approve: ${can.join(', ') || 'nobody'}`;
  } catch {
    return undefined;
  }
}
