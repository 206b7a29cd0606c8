import { randomBytes } from 'node:crypto';
import { hashSecret } from './api-keys';

/**
 * Invitation tokens: `tpi_<organization id, 32 hex>_<secret, 43 base64url chars>`. The organization id lets acceptance
 * find the row through an index led by org_id; only a SHA-256 of the secret is stored (256 bits of entropy, so a fast
 * hash is enough) and the lookup reveals exactly the row whose hash matches.
 */
export const INVITATION_TTL_DAYS = 7;
export const INVITATION_TTL_MS = INVITATION_TTL_DAYS * 24 * 3600 * 1000;

const FORMAT = /^tpi_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export function newInvitationToken(orgId: string): { token: string; tokenHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `tpi_${orgId.replace(/-/g, '')}_${secret}`, tokenHash: hashSecret(secret) };
}

export function parseInvitationToken(token: string): { orgId: string; tokenHash: string } | null {
  const m = FORMAT.exec(token.trim());
  if (!m) return null;
  const hex = m[1]!;
  const orgId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { orgId, tokenHash: hashSecret(m[2]!) };
}

/**
 * An address we can invite: one @, a dotted domain, no spaces or control characters, at most 254 characters.
 * Deliberately plain (RFC 5322 allows far more): the identity provider's `email` claim is what it must match.
 */
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email) || email.startsWith('.') || email.includes('..') || email.split('@')[0]!.endsWith('.')) return null;
  return email;
}

export type InvitationStatus = 'PENDING' | 'EXPIRED' | 'ACCEPTED' | 'REVOKED';

export function invitationStatus(inv: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date }, now: Date): InvitationStatus {
  if (inv.acceptedAt) return 'ACCEPTED';
  if (inv.revokedAt) return 'REVOKED';
  return inv.expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : 'PENDING';
}
