// Where a webhook may go. The worker posts to URLs written in plans; unchecked, a plan could make it
// call its own database, the Temporal UI or a cloud metadata service. A destination is checked after
// DNS resolution (every address the name has) and the connection then goes to those checked
// addresses only (webhook.ts pins them), so a name that answers differently the second time (DNS
// rebinding) cannot swap in another address.
import { promises as dns, LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { WebhookEgress } from '../../apps/shared/config';

export const ALLOW_HOSTS_SETTING = 'YINGJI_WEBHOOK_ALLOW_HOSTS';
export const STRICT_SETTING = 'YINGJI_WEBHOOK_STRICT';

/** The destination is not allowed (or answered with a redirect): recorded `refused`, never retried. */
export class RefusedDestinationError extends Error {
  override readonly name = 'RefusedDestinationError';
}

// First match wins: `::/96` (IPv4-compatible, deprecated) also holds `::` and `::1`, named before it.
// net.BlockList matches an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`) against
// the IPv4 rules, so those forms get their IPv4 kind.
const RANGES: Array<[kind: string, ipv4: string[], ipv6: string[]]> = [
  ['unspecified', ['0.0.0.0/8'], ['::/128']],
  ['loopback', ['127.0.0.0/8'], ['::1/128']],
  ['private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], ['fc00::/7', 'fec0::/10']],
  ['link-local', ['169.254.0.0/16'], ['fe80::/10']],
  ['shared (CGNAT)', ['100.64.0.0/10'], []],
  ['multicast', ['224.0.0.0/4'], ['ff00::/8']],
  ['reserved', ['192.0.0.0/24', '198.18.0.0/15', '240.0.0.0/4'], ['::/96']],
];

const KINDS = RANGES.map(([kind, v4, v6]) => {
  const list = new BlockList();
  for (const r of v4) list.addSubnet(r.split('/')[0], Number(r.split('/')[1]), 'ipv4');
  for (const r of v6) list.addSubnet(r.split('/')[0], Number(r.split('/')[1]), 'ipv6');
  return { kind, list };
});

/**
 * What kind of non-public address `ip` is (`loopback`, `private`, `link-local`, `unspecified`,
 * `shared (CGNAT)`, `multicast`, `reserved`), or undefined for a public one. Accepts `[::1]` and a
 * zone (`fe80::1%eth0`). Throws for text that is not an IP address.
 */
export function addressKind(ip: string): string | undefined {
  const bare = ip.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(bare);
  if (!family) throw new Error(`${ip} is not an IP address`);
  return KINDS.find(({ list }) => list.check(bare, family === 4 ? 'ipv4' : 'ipv6'))?.kind;
}

/** An address as a URL writes its host: `[::1]` for IPv6, in the URL's normal form. */
function hostOf(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]/`).hostname : address;
}

function listed(egress: WebhookEgress, host: string, port: number): boolean {
  return egress.allowHosts.includes(host) || egress.allowHosts.includes(`${host}:${port}`);
}

export function portOf(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

/**
 * The deployment's own webhook (YINGJI_WEBHOOK_URL) is set by the operator: its `host:port` is
 * allowed without being listed again.
 */
export function withDeploymentWebhook(egress: WebhookEgress, url: string | undefined): WebhookEgress {
  let u: URL;
  try {
    u = new URL(url ?? '');
  } catch {
    return egress;
  }
  return { ...egress, allowHosts: [...egress.allowHosts, `${u.hostname}:${portOf(u)}`] };
}

export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * The addresses `url` may be reached at, every one checked; throws RefusedDestinationError naming
 * the host and the setting to change. A host (or host:port) listed in YINGJI_WEBHOOK_ALLOW_HOSTS
 * is allowed whatever it resolves to; so is a name whose every address is listed. Otherwise every
 * address must be public, and with YINGJI_WEBHOOK_STRICT on, listed as well.
 */
export async function checkedAddresses(url: URL, egress: WebhookEgress, resolve: Resolve = systemResolve): Promise<LookupAddress[]> {
  const host = url.hostname;
  const port = portOf(url);
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(literal);
  const addresses = family ? [{ address: literal, family }] : await resolve(literal);
  if (addresses.length === 0) throw new Error(`${host} has no address`);
  if (listed(egress, host, port)) return addresses;
  for (const { address } of addresses) {
    if (listed(egress, hostOf(address), port)) continue;
    const kind = addressKind(address);
    const what = family ? `${host} is` : `${host} resolves to ${address},`;
    if (kind) throw new RefusedDestinationError(`${what} ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address not in ${ALLOW_HOSTS_SETTING}`);
    if (egress.strict) throw new RefusedDestinationError(`${host} is not in ${ALLOW_HOSTS_SETTING} (${STRICT_SETTING} allows listed hosts only)`);
  }
  return addresses;
}
