import net from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import { NonPublicTargetError, classifyAddress, resolvePublicAddresses, systemLookup, type Lookup } from './ssrf';

export interface WebhookClientOptions {
  /** Connect to any address (development: local receivers). Off by default: only public addresses are reached. */
  allowPrivate?: boolean;
  /** How host names are resolved (tests answer for themselves; the system resolver otherwise). */
  lookup?: Lookup;
  /** Per-address TCP (and TLS) connect timeout. */
  connectTimeoutMs?: number;
}

export interface WebhookResponse { status: number }

/**
 * The connector behind guarded deliveries. For each new connection it resolves the host once, refuses it unless every
 * address is public (literal IPs included: `net.connect` would not look them up), and connects to one of those checked
 * addresses itself, so DNS cannot answer differently between check and connect (rebinding). TLS still sends and
 * verifies the URL's host name (SNI and certificate). Once connected, the socket's actual peer address is checked again.
 */
export function guardedConnector(options: { lookup?: Lookup; connectTimeoutMs?: number } = {}): buildConnector.connector {
  const lookup = options.lookup ?? systemLookup;
  const base = buildConnector({ timeout: options.connectTimeoutMs ?? 10_000 });
  return (opts, callback) => {
    const hostname = opts.hostname.replace(/^\[(.*)\]$/, '$1');
    resolvePublicAddresses(hostname, lookup).then(
      (addresses) => {
        // Connecting to an address must not change what TLS verifies: the certificate is checked against the URL's name.
        const servername = net.isIP(hostname) ? undefined : (opts.servername || hostname);
        const attempt = (i: number, lastError: Error | null): void => {
          const address = addresses[i];
          if (address === undefined) {
            callback(lastError ?? new NonPublicTargetError(`webhook host ${hostname} has no address`), null);
            return;
          }
          base({ ...opts, hostname: address, servername }, (error, socket) => {
            if (error || !socket) {
              attempt(i + 1, error ?? new Error(`could not connect to ${address}`));
              return;
            }
            try {
              assertConnectedTo(socket, address);
            } catch (e) {
              socket.destroy();
              callback(e as Error, null);
              return;
            }
            callback(null, socket);
          });
        };
        attempt(0, null);
      },
      (error: Error) => callback(error, null),
    );
  };
}

/** The last check: the socket's peer is public and is the address that was checked. */
export function assertConnectedTo(socket: { remoteAddress?: string | undefined }, expected: string): void {
  const remote = socket.remoteAddress;
  if (!remote) throw new NonPublicTargetError('webhook connection has no peer address');
  const verdict = classifyAddress(remote);
  if (!verdict.allowed) throw new NonPublicTargetError(`webhook connection reached a non-public address (${verdict.address}: ${verdict.reason})`);
  const want = classifyAddress(expected).address;
  if (verdict.address !== want) throw new NonPublicTargetError(`webhook connection reached ${verdict.address}, not the checked address ${want}`);
}

/**
 * Sends webhook deliveries. Redirects are never followed: a 3xx answer is returned as it is (the delivery records it as
 * a failure), so a public endpoint cannot bounce a request to an internal one.
 */
export class WebhookClient {
  private readonly agent: Agent;

  constructor(options: WebhookClientOptions = {}) {
    const timeout = options.connectTimeoutMs ?? 10_000;
    this.agent = options.allowPrivate
      ? new Agent({ connect: { timeout } })
      : new Agent({ connect: guardedConnector({ lookup: options.lookup, connectTimeoutMs: timeout }) });
  }

  async post(url: string, init: { headers: Record<string, string>; body: string; signal?: AbortSignal }): Promise<WebhookResponse> {
    const res = await request(url, { dispatcher: this.agent, method: 'POST', headers: init.headers, body: init.body, signal: init.signal });
    await res.body.dump().catch(() => undefined);
    return { status: res.statusCode };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
