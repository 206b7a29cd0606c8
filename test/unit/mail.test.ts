import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';
import { senderDomain } from '../../src/modules/mail/mail.service';
import { link, oneLine, render } from '../../src/modules/mail/mail.templates';
import { escapeHtml } from '../../src/views/html';
import { dayInWords, momentInWords } from '../../src/views/words';

const SECRET = 'unit-test-secret-that-is-at-least-32-bytes';
const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'tp-mail-config-'));
const PROD = { NODE_ENV: 'production', JWT_SECRET: SECRET, JWT_ISSUER: 'https://idp.example.com/', JWT_AUDIENCE: 'api', S3_BUCKET: 'trust-portal-prod' };

function failing(env: Record<string, string>): string {
  try {
    loadConfig({ DATA_DIR: dataDir(), ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).variable;
  }
  throw new Error('expected a ConfigError');
}

describe('mail configuration', () => {
  it('defaults outside production: the embedded sink under DATA_DIR/mail, links to this server', () => {
    const dir = dataDir();
    const mail = loadConfig({ DATA_DIR: dir, JWT_SECRET: SECRET, PORT: '4123' }).mail;
    expect(mail).toMatchObject({ smtpUrl: null, from: 'trust-portal <no-reply@trust-portal.localhost>', publicBaseUrl: 'http://localhost:4123', dir: path.join(dir, 'mail') });
  });

  it('takes SMTP_URL, MAIL_FROM, PUBLIC_BASE_URL (no trailing slash) and MAIL_DIR', () => {
    const mail = loadConfig({ DATA_DIR: dataDir(), JWT_SECRET: SECRET, SMTP_URL: 'smtps://u:p@smtp.example.com:465', MAIL_FROM: 'Acme Trust <trust@acme.example>', PUBLIC_BASE_URL: 'https://trust.acme.example/', MAIL_DIR: '/tmp/x-mail' }).mail;
    expect(mail).toMatchObject({ smtpUrl: 'smtps://u:p@smtp.example.com:465', from: 'Acme Trust <trust@acme.example>', publicBaseUrl: 'https://trust.acme.example', dir: '/tmp/x-mail' });
  });

  it.each([
    [{ SMTP_URL: 'http://smtp.example.com' }, 'SMTP_URL'],
    [{ SMTP_URL: 'not a url' }, 'SMTP_URL'],
    [{ MAIL_FROM: 'nobody' }, 'MAIL_FROM'],
    [{ MAIL_FROM: 'Name <a@b.example> extra' }, 'MAIL_FROM'],
    [{ MAIL_FROM: 'x@y.example\r\nBcc: z@w.example' }, 'MAIL_FROM'],
    [{ PUBLIC_BASE_URL: 'ftp://trust.example' }, 'PUBLIC_BASE_URL'],
  ])('names the bad variable %j', (env, variable) => {
    expect(failing({ JWT_SECRET: SECRET, ...env })).toBe(variable);
  });

  it('production with a relay requires MAIL_FROM and PUBLIC_BASE_URL; without one it starts (mail waits in the outbox)', () => {
    expect(failing({ ...PROD, SMTP_URL: 'smtp://relay:25', PUBLIC_BASE_URL: 'https://t.example' })).toBe('MAIL_FROM');
    expect(failing({ ...PROD, SMTP_URL: 'smtp://relay:25', MAIL_FROM: 'a@b.example' })).toBe('PUBLIC_BASE_URL');
    expect(loadConfig({ DATA_DIR: dataDir(), ...PROD }).mail.smtpUrl).toBeNull();
  });
});

describe('mail templates', () => {
  it('writes moments for people, in UTC', () => {
    expect(momentInWords(new Date('2026-12-03T14:05:59Z'))).toBe('3 December 2026, 14:05 UTC');
    expect(momentInWords(new Date('2027-01-01T00:00:00+01:00'))).toBe('31 December 2026, 23:00 UTC');
    expect(dayInWords(new Date('2026-02-28T23:59:59Z'), 'long')).toBe('28 February 2026');
    // The same day as the hosted page writes it (short months), from a Date or a calendar date alike.
    expect(dayInWords(new Date('2026-09-30T23:59:59Z'))).toBe('30 Sep 2026');
  });

  it('escapes every HTML-special character, for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
      const escaped = escapeHtml(text);
      expect(escaped).not.toMatch(/[<>"'`]/);
      expect(escaped.replace(/&(lt|gt|quot|#39|#96|amp);/g, '')).not.toContain('&');
      // Every tag of the page is one of the template's own; what is left between tags holds no < or >.
      const html = render({ title: text, blocks: [text, [[text, text]]], action: { label: text, url: 'https://x.example/?a=1' }, footer: text }).html;
      const tags = html.match(/<[^<>]*>/g) ?? [];
      for (const tag of tags) expect(tag).toMatch(/^<\/?(!doctype html|html|head|meta|body|h1|p|br|table|tr|th|td|a|hr)( (charset|name|content|style|href)="[^"<>]*")*>$/);
      expect(html.replace(/<[^<>]*>/g, '')).not.toMatch(/[<>]/);
    }));
  });

  it('escapes the HTML part as the hosted page does: backticks and bidi controls too, the text part verbatim', () => {
    // The one escaper (src/views/html.ts) replaced mail's own, which left ` and U+202A-U+202E/U+2066-U+2069 as they
    // were: the HTML part now differs from before for those characters only, and only by escaping more.
    const name = 'Acme `x` \u202Eevil\u202C';
    const mail = render({ title: name, blocks: [name], footer: '' });
    expect(mail.html).toContain('<p>Acme &#96;x&#96; \uFFFDevil\uFFFD</p>');
    // The five characters both escaped come out as before.
    expect(render({ title: '', blocks: ['a <b> & "c" \'d\''], footer: '' }).html).toContain('<p>a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;</p>');
    expect(mail.text).toContain(name);
  });

  it('keeps headers to one line whatever the text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
      const line = oneLine(text);
      expect(line).not.toMatch(/[\u0000-\u001f\u007f\u2028\u2029]/);
      expect(line.length).toBeLessThanOrEqual(200);
    }));
    expect(render({ title: 'a\r\nBcc: x@y.example', blocks: [], footer: '' }).subject).toBe('a Bcc: x@y.example');
  });

  it('builds links under the base URL, encoding each part', () => {
    expect(link('https://t.example/base', ['trust', 'a/b c'], { token: 'x&y=z' })).toBe('https://t.example/base/trust/a%2Fb%20c?token=x%26y%3Dz');
  });

  it('names Message-IDs after the From domain', () => {
    expect(senderDomain('Acme Trust <Trust@Mail.Acme.Example>')).toBe('mail.acme.example');
    expect(senderDomain('trust@acme.example')).toBe('acme.example');
  });
});
