import type { IncomingMessage } from 'node:http';
import { clientIp, compileTrust } from '../../src/http/server';
import { ConfigError } from '../../src/config/config';
import { startTestApp, testConfig, type TestApp } from '../support/harness';
import { createOrg } from '../support/factories';

/**
 * The client address (rate limits per IP, NDA acceptances, audit events) cannot be forged with X-Forwarded-For: hops
 * are believed only as far as TRUST_PROXY says, walking from the socket outwards (proxy-addr, as Express does).
 */
const request = (remoteAddress: string, forwardedFor?: string): IncomingMessage =>
  ({ socket: { remoteAddress }, connection: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

const ipFor = (trust: string | undefined, remote: string, forwardedFor?: string): string | null =>
  clientIp(request(remote, forwardedFor), compileTrust(testConfig(trust === undefined ? {} : { TRUST_PROXY: trust }).trustProxy));

describe('which address is the client', () => {
  test.each([
    // [TRUST_PROXY, socket peer, X-Forwarded-For, client]
    [undefined, '203.0.113.7', '6.6.6.6', '203.0.113.7'],
    ['0', '203.0.113.7', '6.6.6.6, 7.7.7.7', '203.0.113.7'],
    ['false', '10.0.0.2', '6.6.6.6', '10.0.0.2'],
    ['1', '10.0.0.2', '203.0.113.7', '203.0.113.7'],
    // The client prepends a forged hop; the load balancer appends the address it saw: the forged one is ignored.
    ['1', '10.0.0.2', '6.6.6.6, 203.0.113.7', '203.0.113.7'],
    ['1', '10.0.0.2', '6.6.6.6,203.0.113.7', '203.0.113.7'],
    ['2', '10.0.0.2', '6.6.6.6, 203.0.113.7, 10.0.0.3', '203.0.113.7'],
    ['1', '10.0.0.2', undefined, '10.0.0.2'],
    ['1', '10.0.0.2', '', '10.0.0.2'],
    // A trust list: only hops from those proxies are believed.
    ['10.0.0.0/8', '10.0.0.2', '6.6.6.6, 203.0.113.7', '203.0.113.7'],
    ['10.0.0.0/8', '198.51.100.9', '6.6.6.6', '198.51.100.9'],
    ['loopback, 10.0.0.0/8', '127.0.0.1', '6.6.6.6, 203.0.113.7, 10.1.2.3', '203.0.113.7'],
    ['uniquelocal', '10.0.0.2', 'garbage, 203.0.113.7', '203.0.113.7'],
  ])('TRUST_PROXY=%s, peer %s, X-Forwarded-For %s: %s', (trust, remote, forwardedFor, expected) => {
    expect(ipFor(trust, remote, forwardedFor)).toBe(expected);
  });

  test('TRUST_PROXY=true is refused: it would believe whatever a client writes', () => {
    expect(() => testConfig({ TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => testConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => testConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/not an IP address/);
    expect(() => testConfig({ TRUST_PROXY: 'example.com' })).toThrow(/not an IP address/);
    expect(() => testConfig({ TRUST_PROXY: '11' })).toThrow(/between 0 and 10/);
    expect(testConfig({ TRUST_PROXY: '10.0.0.1, fd00::/8' }).trustProxy).toEqual(['10.0.0.1', 'fd00::/8']);
  });
});

describe('through the API', () => {
  let limited: TestApp;
  let direct: TestApp;
  let behindProxy: TestApp;
  beforeAll(async () => {
    [limited, direct, behindProxy] = await Promise.all([
      // A fixed server clock: all of the burst below falls in one rate-limit window (no minute boundary to dodge).
      startTestApp({ env: { RATE_LIMIT_PER_IP: '2' }, now: () => new Date('2026-03-10T12:00:15Z') }),
      startTestApp(),
      startTestApp({ env: { TRUST_PROXY: '1' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([limited.close(), direct.close(), behindProxy.close()]);
  });

  const latestAuditIp = async (app: TestApp, headers: Record<string, string>): Promise<string | null> => {
    const org = await createOrg(app);
    const created = await app.gql(`mutation { createApiKey(input: { name: "ci", scopes: [READ] }) { errors { code } } }`, { token: org.owner.token, org: org.slug, headers });
    expect(created.errors).toBeUndefined();
    const events = await app.gql(`{ organization { auditEvents(first: 1) { edges { node { action ip } } } } }`, { token: org.owner.token, org: org.slug });
    return events.data?.organization.auditEvents.edges[0].node.ip ?? null;
  };

  test('without TRUST_PROXY, a forged X-Forwarded-For neither dodges the per-IP limit nor reaches the audit trail', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await limited.gql('{ __typename }', { headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } });
      statuses.push(res.status);
    }
    // Two allowed, the third refused, although every request claimed another address.
    expect(statuses).toEqual([200, 200, 429]);
    const ip = await latestAuditIp(direct, { 'x-forwarded-for': '6.6.6.6' });
    expect(ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  test('behind one trusted proxy, the audit trail records the address that proxy saw, not one the client prepended', async () => {
    expect(await latestAuditIp(behindProxy, { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' })).toBe('203.0.113.7');
  });
});
