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
  /** Attestations in progress (issue 14): record, change, cancel, complete. Like drafts, EDITOR and above. */
  'attestationInProgress.write': ['OWNER', 'ADMIN', 'EDITOR'],
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
  /** Members (issue 13): everyone sees who their colleagues are; no API key scope maps to any of these (keys never
   *  read, manage or leave membership). Who may grant which role is ranked below (`ROLE_RANK`). */
  'members.read': ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER'],
  /** Invite, resend and revoke invitations, list them, change roles, remove members. */
  'members.manage': ['OWNER', 'ADMIN'],
  'members.transfer': ['OWNER'],
  'members.leave': ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER'],
  /** The mail outbox's delivery state (issue 13): who was mailed what and whether it went out. No API key scope maps to it. */
  'mail.read': ['OWNER', 'ADMIN'],
  /** Customer side: any member may ask a vendor for access and sign its NDA for their organization. */
  'customer.request': ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof POLICY;

export function roleAllows(role: Role, action: Action): boolean {
  return (POLICY[action] as readonly Role[]).includes(role);
}

/**
 * The one ranking, used only for "nobody grants a role above their own": OWNER > ADMIN > the three working roles
 * (EDITOR, ACCESS_MANAGER and VIEWER are different jobs, not steps of a ladder, so they rank alike).
 */
export const ROLE_RANK: Readonly<Record<Role, number>> = { OWNER: 3, ADMIN: 2, EDITOR: 1, ACCESS_MANAGER: 1, VIEWER: 1 };

export function mayGrant(grantor: Role, role: Role): boolean {
  return ROLE_RANK[role] <= ROLE_RANK[grantor];
}
