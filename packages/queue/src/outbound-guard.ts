import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { OutboundPolicy, QuorumError, hostAddress } from '@quorumd/core';

/**
 * The outbound policy of this process: the configured allowed networks, and this host's
 * own interface addresses refused (loopback stays allowed only where configured).
 */
export function outboundPolicyForThisHost(allowedNetworks: readonly string[]): OutboundPolicy {
  const own = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined)
    .map((i) => i.address.replace(/%.*$/, ''));
  return new OutboundPolicy(allowedNetworks, own);
}

/**
 * Checks a webhook or callback URL when it is set: the URL's own rules (core), and every
 * address its host name resolves to now. A name that does not resolve yet is accepted:
 * every delivery checks the addresses again at connect time (see `guardedLookup`).
 */
export async function checkOutboundUrl(policy: OutboundPolicy, text: string, what: string): Promise<URL> {
  const url = policy.checkUrl(text, what);
  const host = hostAddress(url);
  if (isIP(host) !== 0) return url;
  let addresses: LookupAddress[];
  try {
    addresses = await new Promise<LookupAddress[]>((resolve, reject) => lookup(host, { all: true }, (err, found) => (err ? reject(err) : resolve(found))));
  } catch {
    return url;
  }
  if (addresses.some((a) => !policy.permits(a.address))) {
    throw new QuorumError('RET_BAD_REQUEST', `${what} resolves to a loopback, private, link-local or reserved address; quorumd only calls public addresses`);
  }
  return url;
}

export class DestinationRefused extends Error {
  override name = 'DestinationRefused';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s) that resolves as usual and refuses the connection when any
 * address is one the policy refuses: a name that turned private after it was checked
 * (DNS rebinding) is caught here, on the address actually connected to.
 */
export function guardedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const refused = addresses.find((a) => !policy.permits(a.address));
      if (refused || addresses.length === 0) return callback(new DestinationRefused(`${hostname} resolves to an address quorumd does not call`), '');
      if (options.all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
