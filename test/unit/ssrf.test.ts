import { assertPublicHost, isPrivateAddress } from '../../src/modules/notifications/ssrf';

test.each([
  ['127.0.0.1', true], ['10.1.2.3', true], ['172.16.0.1', true], ['172.31.255.255', true], ['172.32.0.1', false],
  ['192.168.1.1', true], ['169.254.169.254', true], ['100.64.0.1', true], ['0.0.0.0', true], ['8.8.8.8', false],
  ['203.0.113.10', false], ['::1', true], ['fd00::1', true], ['fe80::1', true], ['::ffff:127.0.0.1', true],
  ['2001:4860:4860::8888', false], ['not-an-ip', true],
])('isPrivateAddress(%s) is %s', (ip, expected) => {
  expect(isPrivateAddress(ip)).toBe(expected);
});

test('local names and private literals are refused without any lookup', async () => {
  await expect(assertPublicHost('localhost')).rejects.toThrow(/local/);
  await expect(assertPublicHost('api.localhost')).rejects.toThrow(/local/);
  await expect(assertPublicHost('169.254.169.254')).rejects.toThrow(/non-public/);
  await expect(assertPublicHost('[::1]')).rejects.toThrow(/non-public/);
  await expect(assertPublicHost('8.8.8.8')).resolves.toBeUndefined();
});
