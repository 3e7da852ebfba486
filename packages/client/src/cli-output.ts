import { ONE_TIME_PASSWORD_OF_NEW_OFFICER, ONE_TIME_PASSWORD_OF_RESET_OFFICER, escapeOf, hasRightToLeftLetters, visibleSegments, visibleText } from '@quorumd/core';
import type { ApiKeyView, TokenView, UserView } from './quorum-client';

/**
 * Human output as the terminal gets it: each line of it with every control, direction and
 * invisible character written as `\uXXXX` (text from someone else is never interpreted).
 * Fields that could hold a line break of their own (reasons) are escaped where they are
 * placed, so that no one else's text can start a line of ours.
 */
export function terminalText(human: string): string {
  return human.split('\n').map(visibleText).join('\n');
}

/**
 * JSON output with the same characters escaped as `\uXXXX` (JSON.stringify leaves C1, DEL
 * and the direction controls raw): the same JSON value, nothing a terminal interprets.
 */
export function terminalJson(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  return visibleSegments(json)
    .map((segment) => (segment.escaped ? jsonEscape(segment.text) : segment.text))
    .join('');
}

/** `\u{e0062}` (past U+FFFF) as JSON writes it, a surrogate pair; `\u202e` stays as it is. */
function jsonEscape(escape: string): string {
  const wide = /^\\u\{([0-9a-f]+)\}$/.exec(escape);
  if (!wide) return escape;
  const units = String.fromCodePoint(parseInt(wide[1] ?? '0', 16));
  return [...Array(units.length).keys()].map((i) => `\\u${units.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
}

const yesNo = (v: boolean) => (v ? 'YES' : 'NO');

/** cloudhsm_mgmt_util's width of the user name column, and the widest quorumd makes it (longer names are cut with an ellipsis; --json has them whole). */
const NAME_COLUMN = 35;
const NAME_COLUMN_MAX = 64;

/**
 * listUsers as cloudhsm_mgmt_util prints it, and a last column of quorumd's own: OneTimePswd,
 * YES while the user's password is one someone else chose (it must set its own). The name
 * column is cloudhsm_mgmt_util's 35 characters, wider when a name (as it prints, escapes
 * counted) needs it, up to 64.
 */
export function usersTable(users: UserView[], server: string): string {
  const names = users.map((u) => {
    const chars = Array.from(visibleText(u.name));
    return chars.length > NAME_COLUMN_MAX ? [...chars.slice(0, NAME_COLUMN_MAX - 1), '…'] : chars;
  });
  const width = Math.max(NAME_COLUMN, ...names.map((chars) => chars.length + 1));
  const lines = [`Users on server 0(${server}):`, `Number of users found:${users.length}`, ''];
  lines.push(`${'User Id'.padStart(11)}${'User Type'.padStart(20)}${'User Name'.padStart(16)}${'MofnPubKey'.padStart(37 + width - NAME_COLUMN)}${'LoginFailureCnt'.padStart(21)}${'2FA'.padStart(12)}${'OneTimePswd'.padStart(16)}`);
  users.forEach((u, i) => {
    const name = (names[i] ?? []).join('') + ' '.repeat(width - (names[i]?.length ?? 0));
    lines.push(`${String(u.id).padStart(10)}${u.type.padStart(16)}${''.padEnd(14)}${name}${yesNo(u.mofnPubKey).padStart(7)}${String(u.loginFailureCnt).padStart(16)}${yesNo(u.twoFactor).padStart(17)}${yesNo(u.passwordChangeRequired).padStart(12)}`);
  });
  return lines.join('\n');
}

/** The users a token's details name: by id, their name and type. */
export type KnownUsers = ReadonlyMap<number, Pick<UserView, 'name' | 'type'>>;

/** Who a user id is, by name when `users` knows it (`user 7` otherwise: a deleted user, or users not readable). */
const who = (id: number, users: KnownUsers) => users.get(id)?.name ?? `user ${id}`;

/**
 * Arguments with right-to-left letters once more in pure ASCII (each character past it as
 * `\uXXXX`), which no terminal reorders: a terminal that applies the bidirectional algorithm
 * may show the line above in another order than written, values and keys swapped.
 */
function inSigningOrder(args: string): string[] {
  if (!hasRightToLeftLetters(args)) return [];
  return [
    `In order     ${args.replace(/[^\x20-\x7e]/gu, escapeOf)}`,
    '             (the arguments hold right-to-left letters, which a terminal may show in another order than written: this line has them as \\u escapes, in signing order)',
  ];
}

/**
 * What approving hands someone beyond the operation itself: a crypto officer created, or a
 * CO's password reset, gets a one-time password (the console says the same).
 */
function operationNote(operation: TokenView['operation'], users: KnownUsers): string | undefined {
  const command = operation.command;
  const args: Readonly<Record<string, unknown>> = operation.args;
  if (command === 'createUser' && args.type === 'CO') return ONE_TIME_PASSWORD_OF_NEW_OFFICER;
  if (command === 'changePswd' && typeof args.id === 'number' && users.get(args.id)?.type === 'CO') return ONE_TIME_PASSWORD_OF_RESET_OFFICER;
  return undefined;
}

/**
 * What a CO approves: exactly the operation, what it hands out, who asks, until when, and how
 * far the quorum is; approvers and rejecters by name (from `users`, the users by id).
 */
/** The marker of a token asked for on the break-glass path (or of a break-glass review), shown beside its status. */
function breakGlassBadge(t: TokenView): string {
  if (t.path === 'breakGlass') return ' [BREAK-GLASS]';
  if (t.reviewOf !== undefined) return ' [BREAK-GLASS REVIEW]';
  return '';
}

/** What a break-glass token's details add: its time lock, what approved it, its review. */
function breakGlassLines(t: TokenView): string[] {
  const lines: string[] = [];
  if (t.breakGlass) {
    lines.push(`Break-glass  time lock until ${t.breakGlass.delayEndsAt}; any officer of the service's rules may veto it until then (quorum reject)`);
    if (t.breakGlass.approvedBy) lines.push(`Approved by  ${t.breakGlass.approvedBy === 'quorum' ? 'its normal quorum' : 'its break-glass group, after the time lock'}`);
    if (t.breakGlass.reviewToken) lines.push(`Review       ${t.breakGlass.reviewToken} (its users are locked unless the quorum approves it in time)`);
  }
  if (t.reviewOf !== undefined) lines.push(`Reviews      break-glass token ${t.reviewOf}: approve to accept its use; rejecting or leaving it locks the officers who used it`);
  return lines;
}

export function tokenDetails(t: TokenView, users: KnownUsers = new Map()): string {
  const note = operationNote(t.operation, users);
  return [
    `Token        ${t.id}`,
    `Status       ${t.status}${breakGlassBadge(t)}`,
    ...breakGlassLines(t),
    `Service      ${t.service}`,
    `Command      ${t.operation.command}`,
    `Arguments    ${JSON.stringify(t.operation.args)}`,
    ...inSigningOrder(JSON.stringify(t.operation.args)),
    ...(note ? [`Note         ${note}`] : []),
    `Requester    ${t.requester.kind} ${t.requester.name} (${t.requester.id})`,
    `Issued       ${t.issuedAt}`,
    `Expires      ${t.expiresAt}${t.approvedExpiresAt ? ` (approved: use by ${t.approvedExpiresAt})` : ''}`,
    `Approvals    ${t.approvals.length} of ${t.required}${t.approvals.length ? ': ' + t.approvals.map((a) => who(a.userId, users) + (a.passkey ? ' (passkey)' : '')).join(', ') : ''}`,
    // A custom service's token: each rule's approvers (no one counted for two rules).
    ...(t.progress ?? []).map((rule) => `${rule.current ? 'Rule (now)  ' : 'Rule        '} ${visibleText(rule.group)}: ${rule.have.length} of ${rule.m}${rule.have.length ? ': ' + rule.have.map((id) => who(id, users)).join(', ') : ''}`),
    ...(t.reason !== undefined ? [`Reason       ${visibleText(t.reason)}`] : []),
    ...(t.ticket !== undefined ? [`Ticket       ${visibleText(t.ticket)}`] : []),
    ...(t.rejections.length ? [`Rejections   ${t.rejections.map((r) => `${who(r.userId, users)}${r.reason ? ` (${visibleText(r.reason)})` : ''}`).join(', ')}`] : []),
    `Digest       ${t.operationDigest}`,
    ...(t.cloudhsm
      ? [
          `HSM token    digest ${t.cloudhsm.digest} (what you sign)`,
          `HSM hints    ${visibleText(`${t.cloudhsm.hints.hsms} HSM(s), service ${t.cloudhsm.hints.serviceNumber}, generated by ${t.cloudhsm.hints.requester}${t.cloudhsm.hints.generatedAt ? ` at ${t.cloudhsm.hints.generatedAt}` : ''}`)} (decoded from the file: hints only)`,
        ]
      : []),
  ].join('\n');
}

/**
 * Rows under a header, each column as wide as its widest cell as it will print (escapes
 * counted), two spaces apart; a cell longer than its column's `max` is cut with an ellipsis.
 */
function table(header: string[], rows: string[][], max: readonly (number | undefined)[] = []): string {
  const cell = (text: string, column: number) => {
    const chars = Array.from(visibleText(text));
    const limit = max[column];
    return limit !== undefined && chars.length > limit ? `${chars.slice(0, limit - 1).join('')}…` : chars.join('');
  };
  const lines = [header, ...rows].map((row) => row.map(cell));
  const widths = header.map((_, column) => Math.max(...lines.map((line) => Array.from(line[column] ?? '').length)));
  return lines.map((line) => line.map((text, column) => (column === line.length - 1 ? text : text + ' '.repeat((widths[column] ?? 0) - Array.from(text).length + 2))).join('')).join('\n');
}

/** The widest a command name is shown in a token list (`show` prints it whole). */
const COMMAND_COLUMN = 40;

export function tokensTable(tokens: TokenView[]): string {
  return table(
    ['Token', 'Status', 'Service', 'Command', 'Approvals', 'Expires'],
    tokens.map((t) => [t.id, `${t.status}${breakGlassBadge(t)}`, t.service, t.operation.command, `${t.approvals.length}/${t.required}`, t.expiresAt]),
    [undefined, undefined, undefined, COMMAND_COLUMN],
  );
}

export function apiKeysTable(keys: ApiKeyView[]): string {
  return table(
    ['Id', 'Name', 'Owner', 'Created', 'Scopes'],
    keys.map((k) => [k.id, k.name, String(k.ownerId), k.createdAt, k.scopes.join(', ')]),
  );
}
