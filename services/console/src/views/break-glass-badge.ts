import type { TokenView } from '../api-types';
import { el } from '../dom';
import { localTime } from '../operation-text';

/**
 * The red badge of a token asked for on the break-glass path (docs/policies.md), or of the
 * review its use set off: in the queue and on the token page, so that no officer mistakes it
 * for a routine request. Nothing for any other token.
 */
export function breakGlassBadge(token: TokenView): HTMLElement | null {
  if (token.path === 'breakGlass') return el('span', { class: 'badge break-glass', attrs: { title: 'Emergency path: approved by its break-glass group after a time lock unless vetoed; reviewed after use' } }, 'BREAK-GLASS');
  if (token.reviewOf !== undefined) return el('span', { class: 'badge break-glass', attrs: { title: 'The review of a break-glass use: rejected or left unapproved, the officers who used it are locked' } }, 'BREAK-GLASS REVIEW');
  return null;
}

/** A break-glass token's time lock, veto, what approved it and its review; a review token's subject. */
export function breakGlassFacts(token: TokenView): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (token.breakGlass) {
    out.push(el('dt', {}, 'Time lock'), el('dd', {}, `until ${localTime(token.breakGlass.delayEndsAt)}: any officer of the service's rules may veto it (Reject) until then`));
    if (token.breakGlass.approvedBy) out.push(el('dt', {}, 'Approved by'), el('dd', {}, token.breakGlass.approvedBy === 'quorum' ? 'its normal quorum' : 'its break-glass group, after the time lock'));
    if (token.breakGlass.reviewToken) out.push(el('dt', {}, 'Review'), el('dd', {}, el('a', { attrs: { href: `#/tokens/${token.breakGlass.reviewToken}` } }, token.breakGlass.reviewToken)));
  }
  if (token.reviewOf !== undefined) {
    out.push(el('dt', {}, 'Reviews'), el('dd', {}, 'the use of break-glass token ', el('a', { attrs: { href: `#/tokens/${token.reviewOf}` } }, token.reviewOf)));
  }
  return out;
}
