import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Organization API keys: `tpk_<key id, 32 hex>_<secret, 43 base64url chars>`. The id finds the row; only a SHA-256
 * of the secret is stored (the secret has 256 bits of entropy, so a fast hash is enough), compared in constant time.
 */
export const API_KEY_SCOPES = ['READ', 'PUBLISH', 'MANAGE_ACCESS', 'TRACKING', 'WEBHOOKS'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** What each scope allows, in the actions of tenancy.policy.ts. Key management and customer signatures never. */
export const SCOPE_ACTIONS: Readonly<Record<ApiKeyScope, readonly string[]>> = {
  READ: ['organization.read', 'document.read', 'access.read', 'analytics.read', 'tracking.read', 'notifications.read', 'audit.read'],
  PUBLISH: ['organization.read', 'document.read', 'trustCenter.update', 'trustCenter.publish', 'attestation.write', 'attestation.publish', 'attestationInProgress.write', 'document.write'],
  MANAGE_ACCESS: ['organization.read', 'access.read', 'access.decide', 'access.policy', 'nda.manage'],
  TRACKING: ['organization.read', 'tracking.read', 'tracking.write', 'notifications.read'],
  WEBHOOKS: ['organization.read', 'webhooks.manage', 'notifications.read'],
};

export function scopesAllow(scopes: readonly ApiKeyScope[], action: string): boolean {
  return scopes.some((s) => SCOPE_ACTIONS[s].includes(action));
}

const FORMAT = /^tpk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export const isApiKeyToken = (token: string): boolean => token.startsWith('tpk_');

export function parseApiKey(token: string): { id: string; secret: string } | null {
  const m = FORMAT.exec(token);
  if (!m) return null;
  const hex = m[1]!;
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, secret: m[2]! };
}

export function newApiKey(id: string): { token: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `tpk_${id.replace(/-/g, '')}_${secret}`, secretHash: hashSecret(secret) };
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
