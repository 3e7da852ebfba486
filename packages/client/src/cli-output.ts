import type { ApiKeyView, TokenView, UserView } from './quorum-client';

const yesNo = (v: boolean) => (v ? 'YES' : 'NO');

/** listUsers as cloudhsm_mgmt_util prints it. */
export function usersTable(users: UserView[], server: string): string {
  const lines = [`Users on server 0(${server}):`, `Number of users found:${users.length}`, ''];
  lines.push(`${'User Id'.padStart(11)}${'User Type'.padStart(20)}${'User Name'.padStart(16)}${'MofnPubKey'.padStart(37)}${'LoginFailureCnt'.padStart(21)}${'2FA'.padStart(12)}`);
  for (const u of users) {
    lines.push(`${String(u.id).padStart(10)}${u.type.padStart(16)}${''.padEnd(14)}${u.name.padEnd(35)}${yesNo(u.mofnPubKey).padStart(7)}${String(u.loginFailureCnt).padStart(16)}${yesNo(u.twoFactor).padStart(17)}`);
  }
  return lines.join('\n');
}

/** What a CO approves: exactly the operation, who asks, until when, and how far the quorum is. */
export function tokenDetails(t: TokenView): string {
  return [
    `Token        ${t.id}`,
    `Status       ${t.status}`,
    `Service      ${t.service}`,
    `Command      ${t.operation.command}`,
    `Arguments    ${JSON.stringify(t.operation.args)}`,
    `Requester    ${t.requester.kind} ${t.requester.name} (${t.requester.id})`,
    `Issued       ${t.issuedAt}`,
    `Expires      ${t.expiresAt}${t.approvedExpiresAt ? ` (approved: use by ${t.approvedExpiresAt})` : ''}`,
    `Approvals    ${t.approvals.length} of ${t.required}${t.approvals.length ? ': users ' + t.approvals.map((a) => a.userId).join(', ') : ''}`,
    ...(t.rejections.length ? [`Rejections   ${t.rejections.map((r) => `user ${r.userId}${r.reason ? ` (${r.reason})` : ''}`).join(', ')}`] : []),
    `Digest       ${t.operationDigest}`,
  ].join('\n');
}

export function tokensTable(tokens: TokenView[]): string {
  const lines = [`${'Token'.padEnd(38)}${'Status'.padEnd(10)}${'Service'.padEnd(13)}${'Command'.padEnd(14)}${'Approvals'.padEnd(11)}Expires`];
  for (const t of tokens) lines.push(`${t.id.padEnd(38)}${t.status.padEnd(10)}${t.service.padEnd(13)}${t.operation.command.padEnd(14)}${`${t.approvals.length}/${t.required}`.padEnd(11)}${t.expiresAt}`);
  return lines.join('\n');
}

export function apiKeysTable(keys: ApiKeyView[]): string {
  const lines = [`${'Id'.padEnd(14)}${'Name'.padEnd(24)}${'Owner'.padEnd(7)}${'Created'.padEnd(26)}Scopes`];
  for (const k of keys) lines.push(`${k.id.padEnd(14)}${k.name.padEnd(24)}${String(k.ownerId).padEnd(7)}${k.createdAt.padEnd(26)}${k.scopes.join(', ')}`);
  return lines.join('\n');
}
