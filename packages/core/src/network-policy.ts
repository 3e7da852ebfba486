import { BlockList, isIP } from 'node:net';
import { QuorumError } from './errors';

/**
 * Where quorumd may send webhooks and callbacks. Outgoing requests go to public
 * addresses only: loopback, link-local (cloud metadata at 169.254.169.254), private
 * (RFC 1918, RFC 4193), CGNAT, multicast, reserved and unspecified destinations are
 * refused, unless an operator allows a network (`QUORUM_WEBHOOK_ALLOWED_NETWORKS`, CIDRs).
 * The check runs on the URL when it is set and on every resolved address at connect time.
 */
const DENIED: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network", unspecified
  ['10.0.0.0', 8, 'ipv4'], // RFC 1918
  ['100.64.0.0', 10, 'ipv4'], // CGNAT (RFC 6598)
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata
  ['172.16.0.0', 12, 'ipv4'], // RFC 1918
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['192.168.0.0', 16, 'ipv4'], // RFC 1918
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['192.0.2.0', 24, 'ipv4'], // documentation (TEST-NET-1)
  ['192.88.99.0', 24, 'ipv4'], // 6to4 relay anycast
  ['198.51.100.0', 24, 'ipv4'], // documentation (TEST-NET-2)
  ['203.0.113.0', 24, 'ipv4'], // documentation (TEST-NET-3)
  ['::', 96, 'ipv6'], // unspecified, loopback, IPv4-compatible (embeds an IPv4 address)
  ['::ffff:0:0', 96, 'ipv6'], // IPv4-mapped (checked as IPv4 too)
  ['::ffff:0:0:0', 96, 'ipv6'], // IPv4-translated (SIIT)
  ['64:ff9b::', 96, 'ipv6'], // NAT64: a gateway forwards into any IPv4 address
  ['64:ff9b:1::', 48, 'ipv6'], // local-use NAT64
  ['100::', 64, 'ipv6'], // discard
  ['2001::', 32, 'ipv6'], // Teredo (embeds an IPv4 address)
  ['2001:db8::', 32, 'ipv6'], // documentation
  ['2002::', 16, 'ipv6'], // 6to4 (embeds an IPv4 address)
  ['fc00::', 7, 'ipv6'], // unique local (RFC 4193)
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['ff00::', 8, 'ipv6'], // multicast
];

export class OutboundPolicy {
  private readonly denied = new BlockList();
  private readonly allowed = new BlockList();
  /** This host's interface addresses (built once: `permits` runs on every delivery). */
  private readonly own = new BlockList();
  private readonly loopback = new BlockList();

  /**
   * `allowedNetworks`: CIDRs (`127.0.0.0/8`, `fd00::/8`) exempt from the refusal.
   * `ownAddresses`: this host's interface addresses, refused too (a webhook at the host's
   * own public address reaches whatever listens on all interfaces, the API included);
   * allowed networks do not exempt them.
   */
  constructor(allowedNetworks: readonly string[] = [], ownAddresses: readonly string[] = []) {
    for (const [address, prefix, family] of DENIED) this.denied.addSubnet(address, prefix, family);
    for (const address of ownAddresses) {
      const family = isIP(address);
      if (family !== 0) this.own.addAddress(address, family === 4 ? 'ipv4' : 'ipv6');
    }
    this.loopback.addSubnet('127.0.0.0', 8, 'ipv4');
    this.loopback.addAddress('::1', 'ipv6');
    for (const cidr of allowedNetworks) {
      const { address, prefix, family } = parseCidr(cidr);
      this.allowed.addSubnet(address, prefix, family);
    }
  }

  /** Whether quorumd may connect to this IP address. */
  permits(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (this.own.check(address, type)) return this.allowed.check(address, type) && this.loopback.check(address, type);
    return this.allowed.check(address, type) || !this.denied.check(address, type);
  }

  /**
   * Checks a webhook or callback URL as given: http(s) only, no credentials, and a host
   * that is not an address quorumd refuses. (Names are checked again on every resolved
   * address at connect time.)
   */
  checkUrl(text: string, what: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new QuorumError('RET_BAD_REQUEST', `${what} must be an http(s) URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new QuorumError('RET_BAD_REQUEST', `${what} must be an http(s) URL`);
    if (url.username || url.password) throw new QuorumError('RET_BAD_REQUEST', `${what} must not carry credentials`);
    const host = hostAddress(url);
    if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && !this.permits(host))) {
      throw new QuorumError(
        'RET_BAD_REQUEST',
        `${what} points at a loopback, private, link-local or reserved address; quorumd only calls public addresses (see QUORUM_WEBHOOK_ALLOWED_NETWORKS)`,
      );
    }
    return url;
  }
}

/** The host of a URL without IPv6 brackets, lower case. */
export function hostAddress(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** `a.b.c.d/n` or `v6::/n`; throws a plain Error naming the value (configuration is checked at start). */
export function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  const address = match?.[1] ?? '';
  const family = isIP(address);
  const prefix = Number(match?.[2]);
  if (!match || family === 0 || prefix > (family === 4 ? 32 : 128)) {
    throw new Error(`${JSON.stringify(cidr)} is not a network in CIDR notation (e.g. 127.0.0.0/8 or fd00::/8)`);
  }
  return { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}
