import { lookup } from 'node:dns/promises';
import net from 'node:net';

/**
 * Webhook targets must be public addresses: a server that POSTs where a tenant says, and reports the status back,
 * must not become a probe of its own network (loopback, private, link-local, CGNAT, ULA, metadata endpoints).
 */
const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
];

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

export function isPrivateAddress(ip: string): boolean {
  if (net.isIPv4(ip)) {
    const n = v4ToInt(ip);
    return BLOCKED_V4.some(([base, bits]) => (n >>> (32 - bits)) === (v4ToInt(base) >>> (32 - bits)));
  }
  if (net.isIPv6(ip)) {
    const lower = ip.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return isPrivateAddress(mapped[1]!);
    return lower === '::' || lower === '::1' || lower.startsWith('fc') || lower.startsWith('fd') || lower.startsWith('fe8') || lower.startsWith('fe9') || lower.startsWith('fea') || lower.startsWith('feb');
  }
  return true; // not an address: refuse
}

/** Resolves a webhook host and refuses it when any of its addresses is private. */
export async function assertPublicHost(hostname: string): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) throw new Error(`webhook host ${hostname} is local`);
  const addresses = net.isIP(host) ? [{ address: host }] : await lookup(host, { all: true });
  const blocked = addresses.find((a) => isPrivateAddress(a.address));
  if (blocked) throw new Error(`webhook host ${hostname} resolves to a non-public address (${blocked.address})`);
}
