import type { buildConnector } from 'undici';

/**
 * The guarded connector, with undici's own connector replaced by a recorder: what it is asked to connect to (the
 * checked address, never the name), which name TLS verifies, and what happens when the socket's peer is not the
 * checked address. Real sockets and the delivery path are in test/integration/webhook-ssrf.test.ts.
 */
interface Call { options: buildConnector.Options; socket: FakeSocket }
interface FakeSocket { remoteAddress: string | undefined; destroyed: boolean; destroy(): void }
const calls: Call[] = [];
let peerOf: (address: string) => string | undefined = (address) => address;
let failing = new Set<string>();

jest.mock('undici', () => ({
  ...jest.requireActual('undici'),
  buildConnector: () => (options: buildConnector.Options, callback: buildConnector.Callback) => {
    const socket: FakeSocket = { remoteAddress: peerOf(options.hostname), destroyed: false, destroy() { this.destroyed = true; } };
    calls.push({ options, socket });
    if (failing.has(options.hostname)) callback(new Error(`connect ECONNREFUSED ${options.hostname}:${options.port}`), null);
    else callback(null, socket as never);
  },
}));

import { assertConnectedTo, guardedConnector } from '../../src/modules/notifications/webhook-client';
import { resolver } from '../support/fake-resolver';

beforeEach(() => {
  calls.length = 0;
  peerOf = (address) => address;
  failing = new Set();
});

function connect(connector: buildConnector.connector, options: Partial<buildConnector.Options> & { hostname: string }): Promise<FakeSocket> {
  return new Promise((resolve, reject) => connector({ protocol: 'https:', port: '443', ...options }, (error, socket) => (error ? reject(error) : resolve(socket as never))));
}


test('a name is resolved once per connection and the connection goes to the checked address, with TLS verifying the name', async () => {
  const lookup = resolver(['93.184.215.14'], ['127.0.0.1']);
  const connector = guardedConnector({ lookup });
  await connect(connector, { hostname: 'hooks.example', host: 'hooks.example' });
  expect(lookup.count).toBe(1);
  expect(calls).toHaveLength(1);
  expect(calls[0]!.options).toMatchObject({ hostname: '93.184.215.14', servername: 'hooks.example', port: '443' });
  // DNS rebinding: the next connection's answer is loopback, refused before any connect.
  await expect(connect(connector, { hostname: 'hooks.example' })).rejects.toThrow(/resolves to a non-public address \(127\.0\.0\.1: loopback\)/);
  expect(lookup.count).toBe(2);
  expect(calls).toHaveLength(1);
});

test('a name with one private address among public ones is refused', async () => {
  await expect(connect(guardedConnector({ lookup: resolver(['8.8.8.8', '10.0.0.1']) }), { hostname: 'hooks.example' })).rejects.toThrow(/10\.0\.0\.1: private/);
  expect(calls).toHaveLength(0);
});

test('literal addresses are checked without a lookup (net.connect would skip it) and sent without SNI', async () => {
  const lookup = resolver(['8.8.8.8']);
  const connector = guardedConnector({ lookup });
  for (const hostname of ['127.0.0.1', '::ffff:7f00:1', '[::ffff:a9fe:a9fe]', '64:ff9b::7f00:1', '::7f00:1', '0.0.0.0', '::', '::1', 'fd00::1', 'fe80::1', '100.64.0.1', '169.254.169.254']) {
    await expect(connect(connector, { hostname })).rejects.toThrow(/non-public address/);
  }
  await expect(connect(connector, { hostname: 'localhost' })).rejects.toThrow(/is local/);
  expect(calls).toHaveLength(0);
  await connect(connector, { hostname: '2001:4860:4860::8888', protocol: 'http:', port: '80' });
  expect(calls[0]!.options).toMatchObject({ hostname: '2001:4860:4860::8888', servername: undefined });
  expect(lookup.count).toBe(0);
});

test('when the checked address fails, the next checked address is tried; never an unchecked one', async () => {
  failing = new Set(['8.8.8.8']);
  const socket = await connect(guardedConnector({ lookup: resolver(['8.8.8.8', '2606:4700:4700::1111']) }), { hostname: 'hooks.example' });
  expect(calls.map((c) => c.options.hostname)).toEqual(['8.8.8.8', '2606:4700:4700::1111']);
  expect(socket.remoteAddress).toBe('2606:4700:4700::1111');
  failing = new Set(['8.8.8.8', '1.1.1.1']);
  await expect(connect(guardedConnector({ lookup: resolver(['8.8.8.8', '1.1.1.1']) }), { hostname: 'hooks.example' })).rejects.toThrow(/ECONNREFUSED 1\.1\.1\.1/);
});

test("the socket's actual peer is checked after connecting: a non-public or different peer is dropped", async () => {
  const connector = guardedConnector({ lookup: resolver(['8.8.8.8']) });
  peerOf = () => '127.0.0.1';
  await expect(connect(connector, { hostname: 'hooks.example' })).rejects.toThrow(/reached a non-public address \(127\.0\.0\.1: loopback\)/);
  expect(calls[0]!.socket.destroyed).toBe(true);
  peerOf = () => '1.1.1.1';
  await expect(connect(connector, { hostname: 'hooks.example' })).rejects.toThrow(/reached 1\.1\.1\.1, not the checked address 8\.8\.8\.8/);
  expect(calls[1]!.socket.destroyed).toBe(true);
  peerOf = () => undefined;
  await expect(connect(connector, { hostname: 'hooks.example' })).rejects.toThrow(/no peer address/);
  peerOf = () => '::ffff:8.8.8.8'; // how a dual-stack socket may report it
  await expect(connect(connector, { hostname: 'hooks.example' })).rejects.toThrow(/not the checked address/);
});

test('assertConnectedTo compares canonical forms', () => {
  expect(() => assertConnectedTo({ remoteAddress: '2001:4860:4860:0:0:0:0:8888' }, '2001:4860:4860::8888')).not.toThrow();
  expect(() => assertConnectedTo({ remoteAddress: '::ffff:8.8.8.8' }, '::ffff:808:808')).not.toThrow();
  expect(() => assertConnectedTo({ remoteAddress: '::ffff:127.0.0.1' }, '::ffff:7f00:1')).toThrow(/IPv4-mapped loopback/);
});
