import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may never reach unless WEBHOOK_ALLOW_PRIVATE=on: this host, private
 * networks, link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254), CGNAT, multicast,
 * reserved and translation ranges. BlockList also matches IPv4-mapped IPv6 (::ffff:10.0.0.1)
 * against the IPv4 rules.
 */
const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 96], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) BLOCKED.addSubnet(net, bits, 'ipv6');

export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class GuardError extends Error {}

export type Target = { url: URL; address: string; family: 4 | 6 };

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '');
const isLocalName = (host: string) => host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal');

/** Checks a URL when it is registered: http(s), no credentials, and no literal private address or local name. */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Must be an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Must be an http or https URL';
  if (url.username || url.password) return 'Must not contain credentials';
  if (allowPrivate) return null;
  const host = bare(url.hostname).toLowerCase();
  if (isIP(host) ? isForbiddenAddress(host) : isLocalName(host)) return 'Must not point at a private, loopback or link-local address';
  return null;
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;
export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * Resolves the host once and checks every address it resolves to (one bad address and the call is
 * refused: the resolver could hand it out next time). The caller connects to the returned
 * address, so a second lookup cannot swap in another one (DNS rebinding).
 */
export async function resolveTarget(raw: string, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<Target> {
  const problem = checkWebhookUrl(raw, allowPrivate);
  if (problem) throw new GuardError(`Refused: ${problem}`);
  const url = new URL(raw);
  const host = bare(url.hostname);
  const family = isIP(host);
  const addresses = family !== 0 ? [{ address: host, family }] : await resolve(host).catch((err: Error) => {
    throw new GuardError(`DNS lookup of ${host} failed: ${err.message}`);
  });
  if (addresses.length === 0) throw new GuardError(`DNS lookup of ${host} found no address`);
  if (!allowPrivate) {
    const bad = addresses.find((a) => isForbiddenAddress(a.address));
    if (bad) throw new GuardError(`Refused: ${host} resolves to ${bad.address}, a private, loopback or link-local address`);
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
