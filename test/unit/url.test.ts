import fc from 'fast-check';
import { checkWebUrl, MAX_WEB_URL_LENGTH, safeWebUrl } from '../../src/domain/url';
import { HOSTILE_URLS } from '../support/hostile-urls';

test.each(HOSTILE_URLS)('refuses %j (%s)', (raw, reason) => {
  const r = checkWebUrl(raw);
  expect(r).toMatchObject({ ok: false, reason });
  expect(r.ok ? '' : r.message).toMatch(/^must|^is not/);
  expect(safeWebUrl(raw)).toBeNull();
});

test.each([
  ['https://example.com', 'https://example.com/'],
  ['http://example.com/a?b=c#d', 'http://example.com/a?b=c#d'],
  ['HTTPS://EXAMPLE.COM/Path', 'https://example.com/Path'],
  ['https://example.com:8443/status', 'https://example.com:8443/status'],
  ['http://example.com:80/', 'http://example.com/'],
  ['https://localhost:3000/', 'https://localhost:3000/'],
  ['http://[2001:db8::1]:8080/x', 'http://[2001:db8::1]:8080/x'],
  ['https://203.0.113.10/', 'https://203.0.113.10/'],
  ['https://bücher.example/ü', 'https://xn--bcher-kva.example/%C3%BC'],
  ['https://例え.テスト/', 'https://xn--r8jz45g.xn--zckzah/'],
  ['https://xn--bcher-kva.example/', 'https://xn--bcher-kva.example/'],
  ['https://example.com/a%20b?q=%3Cscript%3E', 'https://example.com/a%20b?q=%3Cscript%3E'],
  ['https://example.com/"><script>alert(1)</script>', 'https://example.com/%22%3E%3Cscript%3Ealert(1)%3C/script%3E'],
  ['https://sub.domain.example.co.uk/trust?ref=portal&x=1', 'https://sub.domain.example.co.uk/trust?ref=portal&x=1'],
])('accepts %j as %j', (raw, href) => {
  expect(checkWebUrl(raw)).toEqual({ ok: true, href });
  expect(safeWebUrl(raw)).toBe(href);
});

test('the length limit is inclusive, raw and normalized', () => {
  const base = 'https://example.com/';
  const exact = base + 'a'.repeat(MAX_WEB_URL_LENGTH - base.length);
  expect(checkWebUrl(exact)).toEqual({ ok: true, href: exact });
  expect(checkWebUrl(exact + 'a')).toMatchObject({ ok: false, reason: 'TOO_LONG' });
  // Short raw text that the parser makes longer (each "ü" becomes "%C3%BC") is measured after normalization too.
  expect(checkWebUrl(base + 'ü'.repeat(700))).toMatchObject({ ok: false, reason: 'TOO_LONG' });
});

test('non-strings and absent values', () => {
  for (const v of [undefined, null, 42, {}, ['https://example.com']]) expect(checkWebUrl(v)).toMatchObject({ ok: false, reason: 'NOT_A_STRING' });
  expect(safeWebUrl(null)).toBeNull();
  expect(safeWebUrl(undefined)).toBeNull();
});

test('whatever is accepted is an http(s) URL with a host and no credentials, and is its own normal form', () => {
  const anyString = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.tuple(fc.constantFrom('https://', 'http://', 'javascript:', ' https://', 'https:', '//', 'HTTPS://'), fc.string({ unit: 'grapheme', maxLength: 40 })).map(([a, b]) => a + b),
  );
  fc.assert(
    fc.property(anyString, (raw) => {
      const r = checkWebUrl(raw);
      if (!r.ok) return;
      const url = new URL(r.href);
      expect(['http:', 'https:']).toContain(url.protocol);
      expect(url.hostname).not.toBe('');
      expect(url.username + url.password).toBe('');
      expect(r.href.length).toBeLessThanOrEqual(MAX_WEB_URL_LENGTH);
      expect(checkWebUrl(r.href)).toEqual({ ok: true, href: r.href });
    }),
    { numRuns: 2000 },
  );
});
