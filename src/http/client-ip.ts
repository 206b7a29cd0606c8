import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { AppConfig } from '../config/config';

/**
 * Which X-Forwarded-For hops to believe (TRUST_PROXY), as proxy-addr walks them from the socket outwards: a number of
 * hops (as Express counts them) or the proxies' addresses. The client address is the first hop not trusted, so a
 * client can prepend whatever it likes to X-Forwarded-For and still be seen at the address our proxy saw.
 */
export function compileTrust(trust: AppConfig['trustProxy']): (address: string, hop: number) => boolean {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust.length === 0 ? () => false : proxyaddr.compile(trust);
}

/** The client address; null when the socket is already gone. */
export function clientIp(req: IncomingMessage, trust: (address: string, hop: number) => boolean): string | null {
  if (!req.socket.remoteAddress) return null;
  return proxyaddr(req, trust).slice(0, 64);
}
