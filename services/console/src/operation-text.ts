import { ONE_TIME_PASSWORD_OF_NEW_OFFICER, ONE_TIME_PASSWORD_OF_RESET_OFFICER } from '@quorumd/core/dist/one-time-password-text';
import type { TokenView, UserView } from './api-types';
import { el, type Child } from './dom';

/**
 * quorumd's own commands in plain words; anything else says what it runs and with which
 * arguments. Every value from the operation (names, arguments, descriptions) is its own
 * isolate (`<bdi>`): right-to-left text in one cannot reorder the words or the other values
 * around it; and, as all the console's text, its control and direction characters show as
 * marked escapes.
 */
export function describeOperation(token: Pick<TokenView, 'operation' | 'service'>, users: ReadonlyMap<number, UserView>): Child[] {
  const { command, args } = token.operation;
  const who = (id: unknown): Child[] => {
    const user = typeof id === 'number' ? users.get(id) : undefined;
    return user ? [value(user.name), ` (user ${String(id)}, ${user.type})`] : ['user ', value(String(id))];
  };
  const forced = args.force === true ? ', even past the lock-out guard (force)' : '';
  switch (command) {
    case 'createUser':
      return args.type === 'CO'
        ? [
            'Create the crypto officer “',
            value(String(args.name)),
            `”. ${ONE_TIME_PASSWORD_OF_NEW_OFFICER}`,
          ]
        : [`Create the ${args.type === 'CU' ? 'crypto user' : `${String(args.type)} user`} “`, value(String(args.name)), '”'];
    case 'deleteUser':
      return ['Delete ', ...who(args.id), forced];
    case 'changePswd':
      return [
        'Reset the password of ',
        ...who(args.id),
        typeof args.id === 'number' && users.get(args.id)?.type === 'CO'
          ? `. ${ONE_TIME_PASSWORD_OF_RESET_OFFICER}`
          : null,
      ];
    case 'setMValue':
      return ['Set the quorum of ', value(String(args.service)), ' to M = ', value(String(args.m)), ` (approvals needed)${forced}`];
    case 'cloudhsm':
      return ['AWS CloudHSM token for the HSM’s ', value(String(args.service)), ' service: ', value(String(args.description ?? '(no description)'))];
    default:
      return ['Run “', value(command), `” (a command of another system, under ${token.service}) with `, ...jsonParts(args)];
  }
}

/** One value of someone else's, isolated from the text around it. */
function value(text: string): HTMLElement {
  return el('bdi', { class: 'value' }, text);
}

/**
 * `args` as JSON, each string (key or value) its own isolate. Only `"` and `\` are escaped
 * here, the JSON way; a control character stays itself, so the page shows it as a marked
 * escape, never as the six plain characters a requester could have typed.
 */
function jsonParts(data: unknown): Child[] {
  if (typeof data === 'string') return [value(`"${data.replace(/["\\]/g, '\\$&')}"`)];
  if (Array.isArray(data)) return ['[', ...data.flatMap((item: unknown, i) => [i > 0 ? ',' : null, ...jsonParts(item)]), ']'];
  if (data !== null && typeof data === 'object') {
    return ['{', ...Object.entries(data).flatMap(([key, item], i) => [i > 0 ? ',' : null, ...jsonParts(key), ':', ...jsonParts(item)]), '}'];
  }
  return [JSON.stringify(data) ?? String(data)];
}

/** "4 min 05 s left", "expired". */
export function timeLeft(until: string, now = Date.now()): string {
  const ms = Date.parse(until) - now;
  if (ms <= 0) return 'expired';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min left` : m > 0 ? `${m} min ${sec} s left` : `${s % 60} s left`;
}

/** "1 of 2": the approvals that count now, of what the token needs now. */
export function approvalCount(token: Pick<TokenView, 'approvals' | 'required'>): string {
  return `${token.approvals.length} of ${token.required}`;
}

/** A user's name from the list, else its id. */
export function userName(users: ReadonlyMap<number, UserView>, id: number): string {
  return users.get(id)?.name ?? `user ${id}`;
}

export function localTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
