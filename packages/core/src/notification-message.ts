import type { NotificationEvent } from './notification-events';
import type { TokenView } from './token-lifecycle';
import { visibleText } from './visible-text';

/**
 * What an e-mail or a chat message says of one or more token events: the operation in words,
 * why (reason, ticket), the time left and a link to the token's page in the console. A link
 * only: approving needs the officer's own signature, so no message ever carries an approve
 * endpoint or action. Every value from a requester is made visible ({@link visibleText}) and
 * escaped for the medium (HTML, Slack mrkdwn).
 */
export interface NotificationItem {
  event: NotificationEvent;
  token: Pick<TokenView, 'id' | 'service' | 'operation' | 'status' | 'expiresAt' | 'rejections' | 'requester'> & { reason?: string; ticket?: string };
}

export interface RenderContext {
  /** Where the console is served, without a trailing slash: `https://quorum.example.org`. */
  publicUrl: string;
  now: number;
}

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

export interface ChatMessage {
  text: string;
  blocks: ChatBlock[];
}

export type ChatBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  | { type: 'actions'; elements: { type: 'button'; text: { type: 'plain_text'; text: string }; url: string; action_id: string }[] };

const HEADLINES: Record<NotificationEvent, string> = {
  'approval.requested': 'Approval requested',
  'approval.reminder': 'Reminder: approval still needed',
  'approval.escalated': 'Escalated: approval still needed',
  'token.approved': 'Your request was approved',
  'token.rejected': 'Your request was rejected',
  'token.expired': 'Your request expired',
  'breakglass.requested': 'BREAK-GLASS: emergency access requested',
  'breakglass.unreviewed': 'BREAK-GLASS: emergency access not yet reviewed',
};

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function shown(value: unknown): string {
  return visibleText(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));
}

/** quorumd's own commands in plain words; anything else names what it runs and with which arguments. */
export function operationInWords(token: Pick<TokenView, 'service' | 'operation'>): string {
  const { command, args } = token.operation;
  const forced = args.force === true ? ', even past the lock-out guard (force)' : '';
  switch (command) {
    case 'createUser':
      return `Create the ${args.type === 'CO' ? 'crypto officer' : args.type === 'CU' ? 'crypto user' : `${shown(args.type)} user`} “${shown(args.name)}”`;
    case 'deleteUser':
      return `Delete user ${shown(args.id)}${forced}`;
    case 'changePswd':
      return `Reset the password of user ${shown(args.id)}`;
    case 'setMValue':
      return `Set the quorum of ${shown(args.service)} to M = ${shown(args.m)}${forced}`;
    case 'setPolicy':
      return `Change the policy of service ${shown(args.service)}${forced}`;
    case 'deleteService':
      return `Delete service ${shown(args.service)}${forced}`;
    case 'setGroup':
      return `Set the members of group ${shown(args.group)}${forced}`;
    case 'cloudhsm':
      return `AWS CloudHSM token for the HSM’s ${shown(args.service)} service: ${shown(args.description ?? '(no description)')}`;
    default:
      return clip(`Run “${shown(command)}” (under ${shown(token.service)}) with ${shown(args)}`, 500);
  }
}

/** "4 min 05 s left", "expired". */
export function timeLeftInWords(until: string, now: number): string {
  const ms = Date.parse(until) - now;
  if (!(ms > 0)) return 'expired';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min left` : m > 0 ? `${m} min ${sec} s left` : `${s % 60} s left`;
}

/** The console's page of a token. */
export function consoleTokenUrl(publicUrl: string, tokenId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/console/#/tokens/${encodeURIComponent(tokenId)}`;
}

interface Lines {
  headline: string;
  operation: string;
  details: string[];
  link: string;
}

function linesOf(item: NotificationItem, ctx: RenderContext): Lines {
  const { token } = item;
  const details: string[] = [`Service: ${shown(token.service)}`, `Requested by: ${shown(token.requester.name)}`];
  if (token.reason !== undefined) details.push(`Reason: ${shown(token.reason)}`);
  if (token.ticket !== undefined) details.push(`Ticket: ${shown(token.ticket)}`);
  if (item.event === 'token.rejected') {
    for (const r of token.rejections) details.push(`Rejected: ${shown(r.reason)}`);
  }
  if (item.event.startsWith('approval.') || item.event.startsWith('breakglass.')) details.push(`Time left: ${timeLeftInWords(token.expiresAt, ctx.now)}`);
  details.push(`Token: ${token.id}`);
  return { headline: HEADLINES[item.event], operation: operationInWords(token), details, link: consoleTokenUrl(ctx.publicUrl, token.id) };
}

function subjectOf(items: NotificationItem[], ctx: RenderContext): string {
  const first = items[0] as NotificationItem;
  if (items.length === 1) return clip(`[quorumd] ${HEADLINES[first.event]}: ${linesOf(first, ctx).operation}`, 200);
  return `[quorumd] ${items.length} tokens need your attention`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Slack's mrkdwn: &, < and > are its only escapes. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One e-mail for one or more events (a digest lists them all). */
export function renderEmail(items: NotificationItem[], ctx: RenderContext): EmailMessage {
  const all = items.map((item) => linesOf(item, ctx));
  const text = all.map((l) => [l.headline, '', l.operation, ...l.details, '', `Open it in the console: ${l.link}`].join('\n')).join('\n\n----\n\n');
  const footer = 'Approving needs your own signature in the console or the CLI; this message cannot approve anything.';
  const html = [
    '<!doctype html><html><body>',
    ...all.map(
      (l) =>
        `<section><h2>${escapeHtml(l.headline)}</h2><p><strong>${escapeHtml(l.operation)}</strong></p><ul>${l.details.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul><p><a href="${escapeHtml(l.link)}">Open it in the console</a></p></section>`,
    ),
    `<p><small>${escapeHtml(footer)}</small></p></body></html>`,
  ].join('');
  return { subject: subjectOf(items, ctx), text: `${text}\n\n${footer}\n`, html };
}

/** One Slack-compatible incoming-webhook payload (Mattermost and Rocket.Chat take it too): `text` and Block Kit `blocks`, a link button per token. */
export function renderChat(items: NotificationItem[], ctx: RenderContext): ChatMessage {
  const all = items.map((item) => linesOf(item, ctx));
  const blocks: ChatBlock[] = [];
  // Slack takes at most 50 blocks a message: 3 per token, the rest named by the text.
  for (const [i, l] of all.slice(0, 16).entries()) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*${escapeMrkdwn(l.headline)}*\n${escapeMrkdwn(l.operation)}`, 3000) } });
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escapeMrkdwn(l.details.join(' · ')), 3000) }] });
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in the console' }, url: l.link, action_id: `open-${i}` }] });
  }
  const text = all.length === 1 ? `${(all[0] as Lines).headline}: ${(all[0] as Lines).operation}` : `${all.length} tokens need your attention`;
  return { text: escapeMrkdwn(clip(text, 3000)), blocks };
}
