import { assertPublicHost, classifyAddress, isPrivateAddress, resolvePublicAddresses, type Lookup } from '../../src/modules/notifications/ssrf';

/** The host as the guard sees it: what `new URL()` made of the text a tenant typed. */
const hostOf = (url: string): string => new URL(url).hostname;

describe('classifyAddress', () => {
  test.each([
    // IPv4 special-purpose blocks
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['10.1.2.3', 'private'], ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'], ['192.168.1.1', 'private'], ['169.254.169.254', 'linkLocal'], ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['255.255.255.255', 'broadcast'], ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'], ['192.0.0.8', 'reserved'], ['192.0.2.1', 'reserved'], ['198.51.100.7', 'reserved'],
    ['203.0.113.10', 'reserved'], ['198.18.0.1', 'reserved'], ['192.88.99.1', 'reserved'],
    // IPv6
    ['::', 'unspecified'], ['::1', 'loopback'], ['fd00::1', 'uniqueLocal'], ['fc00::1', 'uniqueLocal'], ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'scoped'], ['fec0::1', 'deprecatedSiteLocal'], ['ff02::1', 'multicast'], ['100::1', 'discard'],
    ['2001:db8::1', 'reserved'], ['3fff::1', 'reserved'], ['2001:2::1', 'benchmarking'], ['5f00::1', 'segmentRouting'],
    // IPv4 inside IPv6
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'], ['::ffff:7f00:1', 'IPv4-mapped loopback'], ['::ffff:a9fe:a9fe', 'IPv4-mapped linkLocal'],
    ['::ffff:a00:1', 'IPv4-mapped private'], ['::ffff:0:0', 'IPv4-mapped unspecified'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'], ['64:ff9b::a9fe:a9fe', 'NAT64 of linkLocal'], ['64:ff9b::10.0.0.1', 'NAT64 of private'],
    ['64:ff9b:1::a00:1', 'rfc6052'], ['64:ff9b:1::808:808', 'rfc6052'],
    ['::7f00:1', 'outside 2000::/3'], ['::127.0.0.1', ''], ['::8.8.8.8', ''], ['::ffff:0:7f00:1', 'rfc6145'],
    ['2002:7f00:1::1', '6to4'], ['2002:a00:1::1', '6to4'], ['2002:808:808::1', '6to4'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'teredo'], ['2001::1', 'teredo'],
    // legacy IPv4 spellings (inet_aton reads them the same way)
    ['2130706433', 'loopback'], ['0177.0.0.1', 'loopback'], ['0x7f.1', 'loopback'], ['127.1', 'loopback'], ['0', 'unspecified'],
    ['0xa9.0xfe.0xa9.0xfe', 'linkLocal'], ['[::1]', 'loopback'],
    // not addresses at all
    ['not-an-ip', 'not an IP address'], ['', 'not an IP address'], ['1.2.3.4.5', 'not an IP address'], ['256.1.1.1', 'not an IP address'],
    ['08.1.1.1', 'not an IP address'], ['::ffff:1.2.3', 'not an IP address'], ['example.com', 'not an IP address'],
  ])('%s is refused (%s)', (ip, reason) => {
    const verdict = classifyAddress(ip);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.reason).toContain(reason);
    expect(isPrivateAddress(ip)).toBe(true);
  });

  test.each([
    ['8.8.8.8', '8.8.8.8'], ['1.1.1.1', '1.1.1.1'], ['172.32.0.1', '172.32.0.1'], ['100.128.0.1', '100.128.0.1'], ['169.253.255.255', '169.253.255.255'],
    ['93.184.215.14', '93.184.215.14'], ['2001:4860:4860::8888', '2001:4860:4860::8888'], ['2606:4700:4700::1111', '2606:4700:4700::1111'],
    ['[2a00:1450:4001:80b::200e]', '2a00:1450:4001:80b::200e'], ['::ffff:8.8.8.8', '::ffff:808:808'], ['64:ff9b::808:808', '64:ff9b::808:808'],
    ['134744072', '8.8.8.8'],
  ])('%s is public (connect to %s)', (ip, address) => {
    expect(classifyAddress(ip)).toEqual({ allowed: true, address });
    expect(isPrivateAddress(ip)).toBe(false);
  });
});

describe('resolvePublicAddresses on the hosts new URL() produces', () => {
  const noDns: Lookup = async (h) => { throw new Error(`no lookup expected for ${h}`); };

  test.each([
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[::ffff:169.254.169.254]/', '[::ffff:a9fe:a9fe]'],
    ['http://[64:ff9b::7f00:1]/', '[64:ff9b::7f00:1]'],
    ['http://[64:ff9b::169.254.169.254]/', '[64:ff9b::a9fe:a9fe]'],
    ['http://[::127.0.0.1]/', '[::7f00:1]'],
    ['http://[::ffff:0:127.0.0.1]/', '[::ffff:0:7f00:1]'],
    ['http://[2002:7f00:1::]/', '[2002:7f00:1::]'],
    ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', '[2001:0:4136:e378:8000:63bf:80ff:fffe]'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://0.0.0.0/', '0.0.0.0'],
    ['http://[::]/', '[::]'],
    ['http://[::1]/', '[::1]'],
    ['http://127.1/', '127.0.0.1'],
    ['http://[fd00::1]/', '[fd00::1]'],
    ['http://[fe80::1]/', '[fe80::1]'],
    ['http://100.64.0.1/', '100.64.0.1'],
    ['http://169.254.169.254/', '169.254.169.254'],
    ['http://2852039166/', '169.254.169.254'],
    ['http://0251.0376.0251.0376/', '169.254.169.254'],
    ['https://10.0.0.1:8443/x', '10.0.0.1'],
    ['https://192.168.0.1/', '192.168.0.1'],
  ])('%s (host %s) is refused without a lookup', async (url, host) => {
    expect(hostOf(url)).toBe(host);
    await expect(resolvePublicAddresses(hostOf(url), noDns)).rejects.toThrow(/non-public address/);
    await expect(assertPublicHost(hostOf(url), noDns)).rejects.toThrow(/non-public address/);
  });

  test.each([
    ['https://8.8.8.8/hook', ['8.8.8.8']],
    ['http://134744072/', ['8.8.8.8']],
    ['https://[2001:4860:4860::8888]/', ['2001:4860:4860::8888']],
    ['https://[::ffff:8.8.8.8]/', ['::ffff:808:808']],
    ['https://[64:ff9b::8.8.8.8]/', ['64:ff9b::808:808']],
  ])('%s is public', async (url, addresses) => {
    await expect(resolvePublicAddresses(hostOf(url), noDns)).resolves.toEqual(addresses);
  });

  test('local names are refused without any lookup', async () => {
    for (const host of ['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', hostOf('http://a.b.localhost./')]) {
      await expect(resolvePublicAddresses(host, noDns)).rejects.toThrow(/is local/);
    }
  });

  test('a name is refused when any of its addresses is not public, when it has none, or when it does not resolve', async () => {
    const answers = (...addresses: string[]): Lookup => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    await expect(resolvePublicAddresses('hooks.example', answers('8.8.8.8', '127.0.0.1'))).rejects.toThrow(/non-public address \(127\.0\.0\.1: loopback\)/);
    await expect(resolvePublicAddresses('hooks.example', answers('2001:4860:4860::8888', '::ffff:a9fe:a9fe'))).rejects.toThrow(/non-public address \(::ffff:a9fe:a9fe: IPv4-mapped linkLocal\)/);
    await expect(resolvePublicAddresses('hooks.example', answers('64:ff9b::a00:1'))).rejects.toThrow(/NAT64 of private/);
    await expect(resolvePublicAddresses('hooks.example', answers('0.0.0.0'))).rejects.toThrow(/unspecified/);
    await expect(resolvePublicAddresses('hooks.example', answers('garbage'))).rejects.toThrow(/not an IP address/);
    await expect(resolvePublicAddresses('hooks.example', answers())).rejects.toThrow(/has no address/);
    await expect(resolvePublicAddresses('hooks.example', async () => { throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' }); })).rejects.toThrow(/could not be resolved \(ENOTFOUND\)/);
    await expect(resolvePublicAddresses('hooks.example', answers('8.8.8.8', '2606:4700:4700::1111', '8.8.8.8'))).resolves.toEqual(['8.8.8.8', '2606:4700:4700::1111']);
  });
});
