import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Database } from '../../db/database';
import { TenantScope } from '../auth/tenant-scope';
import { isUuid } from '../common/errors';
import { ALERT_CATEGORIES, type AlertCategory } from './alerts.entity';
import { preferencesRepository } from './preferences';
import { escapeHtml } from '../../views/html';
import { link } from './mail.templates';

/**
 * One-click unsubscribe (RFC 8058) for alert and digest mail. The link's token names exactly one member (user and
 * organization) and the categories that mail was about, signed with HMAC-SHA256 under MAIL_TOKEN_SECRET:
 *
 *   u1.<org id>.<user id>.<CATEGORY>[+<CATEGORY>...].<base64url signature>
 *
 * It carries no expiry on purpose: RFC 8058 links must keep working for as long as the mail sits in a mailbox, and all a
 * token can ever do is switch those categories OFF for that member (never anything else, never anyone else). A token
 * that does not verify, or names an unknown category, is refused whole: nothing is guessed or repaired.
 */

const VERSION = 'u1';
const TOKEN = /^u1\.([0-9a-f-]{36})\.([0-9a-f-]{36})\.([A-Z_]+(?:\+[A-Z_]+)*)\.([A-Za-z0-9_-]{43})$/;

export interface UnsubscribeClaim {
  orgId: string;
  userId: string;
  categories: AlertCategory[];
}

const sign = (secret: string, body: string): string => createHmac('sha256', secret).update(`trust-portal mail unsubscribe\n${body}`).digest('base64url');

export function signUnsubscribeToken(secret: string, claim: UnsubscribeClaim): string {
  const categories = [...new Set(claim.categories)].sort();
  if (categories.length === 0) throw new Error('signUnsubscribeToken: no category');
  const body = `${VERSION}.${claim.orgId.toLowerCase()}.${claim.userId.toLowerCase()}.${categories.join('+')}`;
  return `${body}.${sign(secret, body)}`;
}

/** The claim a genuine token makes, or null (malformed, forged, or naming something that does not exist). */
export function verifyUnsubscribeToken(secret: string, token: string): UnsubscribeClaim | null {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const [, orgId, userId, list, signature] = match as unknown as [string, string, string, string, string];
  const body = token.slice(0, token.length - signature.length - 1);
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const categories = list.split('+');
  if (!isUuid(orgId) || !isUuid(userId) || !categories.every((c) => (ALERT_CATEGORIES as readonly string[]).includes(c))) return null;
  return { orgId, userId, categories: categories as AlertCategory[] };
}

/** The address a mail's List-Unsubscribe header and footer link point to. */
export function unsubscribeUrl(publicBaseUrl: string, secret: string, claim: UnsubscribeClaim): string {
  return link(publicBaseUrl, ['mail', 'unsubscribe'], { token: signUnsubscribeToken(secret, claim) });
}

/** The RFC 2369 / RFC 8058 headers every alert and digest carries. */
export function unsubscribeHeaders(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

export type UnsubscribeOutcome =
  | { ok: true; categories: AlertCategory[]; /** False when the member has left the organization (nothing left to stop). */ member: boolean }
  | { ok: false; message: string };

export const INVALID_TOKEN_MESSAGE = 'This unsubscribe link is not valid (it was changed or cut short). Open the link from the mail again, or change your mail preferences after signing in.';

const LABELS: Record<AlertCategory, string> = {
  FRESHNESS: 'reports becoming due or stale',
  NEW_REPORT: 'newly published reports',
  SUBPROCESSORS: 'subprocessor changes',
};

export const describeCategories = (categories: readonly AlertCategory[]): string => categories.map((c) => LABELS[c]).join(', ');

/**
 * The one-click POST: switches the token's categories OFF for its member. Repeating it changes nothing more (the
 * categories are OFF already); a member who has left the organization gets no mail anyway, which is still a success.
 */
export async function unsubscribe(db: Database, secret: string, token: string, now = new Date()): Promise<UnsubscribeOutcome> {
  const claim = verifyUnsubscribeToken(secret, token);
  if (!claim) return { ok: false, message: INVALID_TOKEN_MESSAGE };
  const scope = TenantScope.forSystem(claim.orgId);
  const member = await db.transaction(scope.identity(), async (m) => {
    const rows: unknown[] = await m.query(`SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2`, [claim.orgId, claim.userId]);
    if (rows.length === 0) return false;
    for (const category of claim.categories) await preferencesRepository.set(m, scope, claim.userId, category, 'OFF', now);
    return true;
  });
  return { ok: true, categories: claim.categories, member };
}

function page(title: string, body: string): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328;max-width:560px;margin:40px auto;padding:0 16px">',
    `<h1 style="font-size:20px">${escapeHtml(title)}</h1>`,
    body,
    '</body></html>',
  ].join('\n');
}

/** GET: what the link would do, and a button that does it (a form POST); loading the page changes nothing. */
export function confirmPage(claim: UnsubscribeClaim): string {
  return page('Stop these emails?', [
    `<p>You will no longer receive emails about ${escapeHtml(describeCategories(claim.categories))} from this organization's watched vendors.</p>`,
    // No action: the form posts to this very address, token included.
    '<form method="post">',
    '<input type="hidden" name="List-Unsubscribe" value="One-Click">',
    '<button type="submit" style="background:#0b57d0;color:#fff;border:0;padding:10px 16px;border-radius:6px;font-size:15px">Unsubscribe</button>',
    '</form>',
    '<p style="font-size:13px;color:#57606a">You can turn them on again in your mail preferences after signing in.</p>',
  ].join('\n'));
}

export function donePage(outcome: Extract<UnsubscribeOutcome, { ok: true }>): string {
  return page('You are unsubscribed', `<p>No more emails about ${escapeHtml(describeCategories(outcome.categories))}. You can turn them on again in your mail preferences after signing in.</p>`);
}

export function invalidPage(message: string): string {
  return page('This link does not work', `<p>${escapeHtml(message)}</p>`);
}
