import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * Webhook targets must be public addresses: a server that POSTs where a tenant says, and reports the status back,
 * must not become a probe of its own network (loopback, private, link-local, CGNAT, ULA, metadata endpoints).
 *
 * The policy is an allowlist: an address passes only when ipaddr.js calls it plain `unicast` and it is in no
 * special-purpose block below. Whatever cannot be parsed is refused. Forms that carry an IPv4 address inside an IPv6
 * one are judged by the IPv4 address they reach (IPv4-mapped, NAT64 64:ff9b::/96) or refused outright (IPv4-compatible
 * ::a.b.c.d, local-use NAT64, 6to4, Teredo): `new URL()` writes them in hex (`[::ffff:7f00:1]`), so no prefix test on
 * the text can be trusted.
 */

/** IANA special-purpose IPv4 blocks, repeated here so that a change in ipaddr.js's tables cannot open one. */
const DENIED_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.31.196.0/24', '192.52.193.0/24', '192.88.99.0/24', '192.168.0.0/16', '192.175.48.0/24',
  '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
].map((c) => ipaddr.IPv4.parseCIDR(c));

/** Only global unicast (2000::/3) can be public; inside it, these blocks are not. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
const DENIED_V6 = [
  '2001::/23', '2001:db8::/32', '2002::/16', '2620:4f:8000::/48', '3fff::/20',
].map((c) => ipaddr.IPv6.parseCIDR(c));
/** NAT64 well-known prefix (RFC 6052): the last 32 bits are the IPv4 address the translator connects to. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

export type AddressVerdict =
  | { allowed: true; address: string }
  | { allowed: false; address: string; reason: string };

function classifyV4(ip: ipaddr.IPv4, via = ''): AddressVerdict {
  const address = ip.toString();
  const range = ip.range();
  if (range !== 'unicast') return { allowed: false, address, reason: `${via}${range}` };
  if (DENIED_V4.some((cidr) => ip.match(cidr))) return { allowed: false, address, reason: `${via}special-purpose` };
  return { allowed: true, address };
}

function classifyV6(ip: ipaddr.IPv6): AddressVerdict {
  const address = ip.toString();
  if (ip.zoneId !== undefined) return { allowed: false, address, reason: 'scoped (zone id)' };
  if (ip.isIPv4MappedAddress()) return { ...classifyV4(ip.toIPv4Address(), 'IPv4-mapped '), address };
  if (ip.match(NAT64_WELL_KNOWN)) {
    const b = ip.toByteArray();
    return { ...classifyV4(new ipaddr.IPv4(b.slice(12)), 'NAT64 of '), address };
  }
  const range = ip.range();
  if (!ip.match(GLOBAL_UNICAST_V6)) return { allowed: false, address, reason: range === 'unicast' ? 'reserved (outside 2000::/3)' : range };
  if (range !== 'unicast') return { allowed: false, address, reason: range };
  if (DENIED_V6.some((cidr) => ip.match(cidr))) return { allowed: false, address, reason: 'special-purpose' };
  return { allowed: true, address };
}

/**
 * Whether a webhook may connect to this IP address, in any form ipaddr.js reads (dotted, decimal, octal and hex IPv4;
 * IPv6 with or without brackets, embedded IPv4 or a zone). `address` is the canonical text to connect to.
 */
export function classifyAddress(input: string): AddressVerdict {
  const parsed = parseAddress(input);
  if (!parsed) return { allowed: false, address: input, reason: 'not an IP address' };
  return parsed.kind() === 'ipv4' ? classifyV4(parsed as ipaddr.IPv4) : classifyV6(parsed as ipaddr.IPv6);
}

/**
 * An IP address in any spelling, or null. IPv6 text goes through the WHATWG URL parser first: ipaddr.js reads
 * `::a.b.c.d` as `::ffff:a.b.c.d`, a different address, while the URL parser (the one that reads webhook URLs) keeps
 * the bits and writes them in hex. A zone (`%eth0`) is kept aside, as URLs refuse it.
 */
function parseAddress(input: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const text = input.trim().replace(/^\[(.*)\]$/, '$1');
  try {
    if (!text.includes(':')) return ipaddr.IPv4.parse(text);
    const [bare, zone] = text.split('%', 2) as [string, string | undefined];
    const hex = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
    const v6 = ipaddr.IPv6.parse(hex);
    if (zone !== undefined) v6.zoneId = zone;
    return v6;
  } catch {
    return null;
  }
}

export function isPrivateAddress(ip: string): boolean {
  return !classifyAddress(ip).allowed;
}

/** A webhook target that is, or resolves to, an address the guard refuses. */
export class NonPublicTargetError extends Error {
  override readonly name = 'NonPublicTargetError';
}

export interface ResolvedAddress { address: string; family: number }
/** Resolves a host name to every address it has (the system resolver by default; tests pass their own). */
export type Lookup = (hostname: string) => Promise<ResolvedAddress[]>;
export const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The URL's host without brackets, lower-cased, without a trailing dot. */
function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase().replace(/\.$/, '');
}

/**
 * The addresses a webhook to `hostname` may connect to: the literal itself, or every address the name resolves to,
 * each checked. Throws NonPublicTargetError when the host is local, any of its addresses is refused, or it has none
 * (a name that resolves to one public and one private address is refused: which one a connection uses is not ours
 * to choose). Callers connect only to the returned addresses, so DNS cannot answer differently in between.
 */
export async function resolvePublicAddresses(hostname: string, lookup: Lookup = systemLookup): Promise<string[]> {
  const host = bareHost(hostname);
  if (host === '') throw new NonPublicTargetError('webhook host is empty');
  if (host === 'localhost' || host.endsWith('.localhost')) throw new NonPublicTargetError(`webhook host ${hostname} is local`);
  if (parseAddress(host)) {
    const verdict = classifyAddress(host);
    if (!verdict.allowed) throw new NonPublicTargetError(`webhook host ${hostname} is a non-public address (${verdict.address}: ${verdict.reason})`);
    return [verdict.address];
  }
  let answers: ResolvedAddress[];
  try {
    answers = await lookup(host);
  } catch (e) {
    throw new NonPublicTargetError(`webhook host ${hostname} could not be resolved (${(e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))})`);
  }
  if (answers.length === 0) throw new NonPublicTargetError(`webhook host ${hostname} has no address`);
  const addresses = new Set<string>();
  for (const verdict of answers.map((a) => classifyAddress(a.address))) {
    if (!verdict.allowed) throw new NonPublicTargetError(`webhook host ${hostname} resolves to a non-public address (${verdict.address}: ${verdict.reason})`);
    addresses.add(verdict.address);
  }
  return [...addresses];
}

/** Refuses a webhook host that is local or has any non-public address (the check at endpoint creation). */
export async function assertPublicHost(hostname: string, lookup: Lookup = systemLookup): Promise<void> {
  await resolvePublicAddresses(hostname, lookup);
}
