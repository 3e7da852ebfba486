import { isIPv4, isIPv6 } from 'node:net';

/** The first four 16-bit groups of an IPv6 address, as numbers (an embedded IPv4 tail counts as two). */
function leadingGroups(ip: string): number[] {
  const [head = '', tail] = (ip.split('%')[0] ?? '').split('::');
  const left = head === '' ? [] : head.split(':');
  let groups = left;
  if (tail !== undefined) {
    const right = tail === '' ? [] : tail.split(':');
    const rightWidth = right.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
    groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - rightWidth)).fill('0'), ...right];
  }
  return groups.slice(0, 4).map((g) => (g.includes('.') ? 0 : parseInt(g, 16)));
}

/**
 * The source a login's failures are counted against: an IPv4 address as it is (an
 * IPv4-mapped IPv6 one too), an IPv6 address by its /64 — what one host or customer usually
 * holds, so that walking through its own addresses does not give an attacker fresh counts.
 */
export function loginSource(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  const v4 = mapped ? (mapped[1] as string) : ip;
  if (isIPv4(v4)) return v4;
  if (!isIPv6(ip)) return 'unknown';
  return `${leadingGroups(ip).map((g) => g.toString(16)).join(':')}::/64`;
}
