/**
 * Links the API stores and serves (a trust center's or a subprocessor's website): only absolute http(s) URLs with a
 * host, checked on the raw text before the WHATWG parser gets to repair it. Browsers strip leading/trailing controls
 * and spaces and drop tabs and newlines anywhere ("\u0000javascript:", " javascript:", "java\tscript:" all run
 * script), read "\" as "/", and accept "http:host" and "https:///host"; none of that is accepted here. Pure, no I/O.
 * Used on input (refuse) and on output (serve nothing that would be refused now, e.g. rows stored before this check).
 */

/** Longest link accepted, in UTF-16 code units, raw and normalized. */
export const MAX_WEB_URL_LENGTH = 2048;

export type WebUrlRefusal = 'NOT_A_STRING' | 'EMPTY' | 'TOO_LONG' | 'INVISIBLE_CHARACTERS' | 'BACKSLASH' | 'SCHEME' | 'NOT_ABSOLUTE' | 'CREDENTIALS' | 'MALFORMED';

export type WebUrlCheck = { ok: true; href: string } | { ok: false; reason: WebUrlRefusal; message: string };

/**
 * Whitespace of any kind, controls (C0, DEL, C1), format characters (zero-width, bidi overrides, BOM, soft hyphen),
 * lone surrogates, line and paragraph separators: invisible in a link, stripped or reordered by browsers.
 */
const INVISIBLE = /[\s\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Zs}]/u;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
/** Scheme, "//", then a non-empty authority (up to the path, query or fragment). */
const HTTP_PREFIX = /^https?:\/\/([^/?#]+)/i;

const refuse = (reason: WebUrlRefusal, message: string): WebUrlCheck => ({ ok: false, reason, message });

/** Checks a link; on success `href` is the normalized URL (lower-case scheme and host, punycode, encoded path) to store. */
export function checkWebUrl(raw: unknown): WebUrlCheck {
  if (typeof raw !== 'string') return refuse('NOT_A_STRING', 'must be a string');
  if (raw.length === 0) return refuse('EMPTY', 'must not be empty');
  if (raw.length > MAX_WEB_URL_LENGTH) return refuse('TOO_LONG', `must be at most ${MAX_WEB_URL_LENGTH} characters`);
  if (INVISIBLE.test(raw)) return refuse('INVISIBLE_CHARACTERS', 'must not contain spaces, control or invisible characters (percent-encode them)');
  if (raw.includes('\\')) return refuse('BACKSLASH', 'must not contain a backslash (percent-encode it as %5C)');
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return refuse('SCHEME', 'must be an http: or https: URL (no other scheme)');
  const authority = HTTP_PREFIX.exec(raw)?.[1];
  if (authority === undefined) return refuse('NOT_ABSOLUTE', 'must be an absolute URL starting with https:// or http:// and a host');
  if (authority.includes('@')) return refuse('CREDENTIALS', 'must not contain a user name or password');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('MALFORMED', 'is not a valid URL (check the host and port)');
  }
  // Belt and braces: what the parser made of it must still be what the raw checks saw.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse('SCHEME', 'must be an http: or https: URL (no other scheme)');
  if (url.hostname === '') return refuse('NOT_ABSOLUTE', 'must be an absolute URL starting with https:// or http:// and a host');
  if (url.username !== '' || url.password !== '') return refuse('CREDENTIALS', 'must not contain a user name or password');
  if (url.href.length > MAX_WEB_URL_LENGTH) return refuse('TOO_LONG', `must be at most ${MAX_WEB_URL_LENGTH} characters once normalized`);
  return { ok: true, href: url.href };
}

/** The normalized link, or null for anything `checkWebUrl` refuses: what the API serves from a stored value. */
export function safeWebUrl(stored: string | null | undefined): string | null {
  if (stored === null || stored === undefined) return null;
  const checked = checkWebUrl(stored);
  return checked.ok ? checked.href : null;
}
