import type { Role } from './membership.entity';

/**
 * Which roles may do what, in one place for the whole product. Sets rather than a ranking: "ACCESS_MANAGER and above"
 * means OWNER, ADMIN and ACCESS_MANAGER, not EDITOR.
 */
export const POLICY = {
  'organization.read': ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER'],
  /** Download the organization's own files (originals). */
  'document.read': ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER'],
  'organization.update': ['OWNER', 'ADMIN'],
  'trustCenter.update': ['OWNER', 'ADMIN', 'EDITOR'],
  'trustCenter.publish': ['OWNER', 'ADMIN'],
  'attestation.write': ['OWNER', 'ADMIN', 'EDITOR'],
  'attestation.publish': ['OWNER', 'ADMIN'],
  'document.write': ['OWNER', 'ADMIN', 'EDITOR'],
  'nda.manage': ['OWNER', 'ADMIN'],
  'access.policy': ['OWNER', 'ADMIN'],
  'access.decide': ['OWNER', 'ADMIN', 'ACCESS_MANAGER'],
  'access.read': ['OWNER', 'ADMIN', 'ACCESS_MANAGER', 'VIEWER'],
  'audit.read': ['OWNER', 'ADMIN'],
  'analytics.read': ['OWNER', 'ADMIN', 'ACCESS_MANAGER', 'VIEWER'],
  'webhooks.manage': ['OWNER', 'ADMIN'],
  /** No API key scope maps to this: keys never manage keys. */
  'apikeys.manage': ['OWNER', 'ADMIN'],
  'notifications.read': ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER'],
  'tracking.read': ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER'],
  'tracking.write': ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER'],
  /** Customer side: any member may ask a vendor for access and sign its NDA for their organization. */
  'customer.request': ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof POLICY;

export function roleAllows(role: Role, action: Action): boolean {
  return (POLICY[action] as readonly Role[]).includes(role);
}
