import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Hosted-page sessions (issue 15): a cookie holding `{subject, email, exp}` signed with HMAC-SHA256 (SESSION_SECRET).
 * It is issued only after the address answered a single-use link, so the email counts as verified; the principal is
 * then built exactly as a JWT user's (principalForIdentity in principal.ts): no more power than that user's API token.
 * Nothing is stored server-side: a session ends when it expires or the browser drops the cookie (sign-out).
 */
export const SESSION_COOKIE = 'tp_session';
export const SESSION_TTL_MS = 12 * 3600 * 1000;
/** The cookie carrying the CSRF secret (double-submit: the form's hidden field carries an HMAC of it). */
export const CSRF_COOKIE = 'tp_csrf';

export interface SessionClaims {
  subject: string;
  email: string;
  /** Expiry, milliseconds since the epoch. */
  exp: number;
}

const sign = (secret: string, purpose: string, value: string): string => createHmac('sha256', secret).update(`${purpose}\n${value}`).digest('base64url');

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function issueSession(secret: string, identity: { subject: string; email: string }, now: Date): { value: string; claims: SessionClaims } {
  const claims: SessionClaims = { subject: identity.subject, email: identity.email, exp: now.getTime() + SESSION_TTL_MS };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { value: `${payload}.${sign(secret, 'session', payload)}`, claims };
}

/** The claims of a genuine, unexpired session cookie; null for anything else (forged, malformed, expired: anonymous). */
export function readSession(secret: string, value: string | undefined, now: Date): SessionClaims | null {
  if (!value || value.length > 2048) return null;
  const [payload, signature, extra] = value.split('.');
  if (!payload || !signature || extra !== undefined || !equal(signature, sign(secret, 'session', payload))) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const c = claims as Partial<SessionClaims>;
  if (typeof c.subject !== 'string' || typeof c.email !== 'string' || typeof c.exp !== 'number') return null;
  return c.exp > now.getTime() ? { subject: c.subject, email: c.email, exp: c.exp } : null;
}

/** A fresh random CSRF secret for the cookie. */
export const newCsrfSecret = (): string => randomBytes(32).toString('base64url');

/** What the form's hidden field carries: an HMAC of the cookie's secret (a page never shows the cookie itself). */
export const csrfToken = (secret: string, cookieSecret: string): string => sign(secret, 'csrf', cookieSecret);

/** Both halves present and matching: the POST came from a form this server rendered for this browser. */
export function csrfValid(secret: string, cookieSecret: string | undefined, field: unknown): boolean {
  if (!cookieSecret || typeof field !== 'string' || cookieSecret.length > 200) return false;
  return equal(field, csrfToken(secret, cookieSecret));
}

/**
 * The request's cookies by name (RFC 6265 `name=value; ...`). Hand-parsed: @fastify/cookie 11 loads the ESM-only
 * `cookie` package with a dynamic import(), which the test runner (CommonJS) cannot run. Our own values are base64url.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return cookies;
}

export interface CookieOptions {
  path: string;
  secure: boolean;
  /** Seconds; omitted: a browser-session cookie. 0 deletes it. */
  maxAge?: number;
}

/** A Set-Cookie value: always HttpOnly and SameSite=Lax; `value` must be cookie-safe (ours are base64url). */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (!/^[A-Za-z0-9_.-]*$/.test(value)) throw new Error(`cookie ${name}: value is not cookie-safe`);
  const parts = [`${name}=${value}`, `Path=${options.path}`, 'HttpOnly', 'SameSite=Lax'];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  if (options.maxAge === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
