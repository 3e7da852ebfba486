import type { TokenView, UserView } from './api-types';

/** quorumd's own commands in plain words; anything else says what it runs and with which arguments. */
export function describeOperation(token: Pick<TokenView, 'operation' | 'service'>, users: ReadonlyMap<number, UserView>): string {
  const { command, args } = token.operation;
  const who = (id: unknown) => {
    const user = typeof id === 'number' ? users.get(id) : undefined;
    return user ? `${user.name} (user ${String(id)}, ${user.type})` : `user ${String(id)}`;
  };
  const forced = args.force === true ? ', even past the lock-out guard (force)' : '';
  switch (command) {
    case 'createUser':
      return `Create the ${args.type === 'CO' ? 'crypto officer' : args.type === 'CU' ? 'crypto user' : `${String(args.type)} user`} “${String(args.name)}”`;
    case 'deleteUser':
      return `Delete ${who(args.id)}${forced}`;
    case 'changePswd':
      return `Reset the password of ${who(args.id)}`;
    case 'setMValue':
      return `Set the quorum of ${String(args.service)} to M = ${String(args.m)} (approvals needed)${forced}`;
    case 'cloudhsm':
      return `AWS CloudHSM token for the HSM’s ${String(args.service)} service: ${String(args.description ?? '(no description)')}`;
    default:
      return `Run “${command}” (a command of another system, under ${token.service}) with ${JSON.stringify(args)}`;
  }
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
