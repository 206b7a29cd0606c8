import type { EntityManager } from 'typeorm';
import type { TenantScope } from '../auth/tenant-scope';
import type { Role } from '../tenancy/membership.entity';

export interface MemberRow {
  userId: string;
  email: string;
  role: Role;
  joinedAt: Date;
}

export interface InvitationRow {
  orgId: string;
  id: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  invitedByEmail: string | null;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  resendCount: number;
}

const INVITATION_COLUMNS = `i.org_id, i.id, i.email, i.role, i.invited_by, u.email AS invited_by_email, i.created_at, i.expires_at, i.accepted_at, i.revoked_at, i.resend_count`;

type RawInvitation = { org_id: string; id: string; email: string; role: Role; invited_by: string | null; invited_by_email: string | null; created_at: Date; expires_at: Date; accepted_at: Date | null; revoked_at: Date | null; resend_count: number };
const toInvitation = (r: RawInvitation): InvitationRow => ({
  orgId: r.org_id, id: r.id, email: r.email, role: r.role, invitedBy: r.invited_by, invitedByEmail: r.invited_by_email, createdAt: r.created_at,
  expiresAt: r.expires_at, acceptedAt: r.accepted_at, revokedAt: r.revoked_at, resendCount: Number(r.resend_count),
});

type RawMember = { user_id: string; email: string; role: Role; created_at: Date };
const toMember = (r: RawMember): MemberRow => ({ userId: r.user_id, email: r.email, role: r.role, joinedAt: r.created_at });

/** The only SQL for memberships as a set and for invitations. Runs inside a transaction the caller opened with the right identity. */
export const membersRepository = {
  /**
   * Locks every membership row of the org (FOR UPDATE) and returns them: two concurrent changes in one org run one
   * after the other, so "at least one OWNER" is checked against what is really there.
   */
  async lockMembers(m: EntityManager, scope: TenantScope): Promise<MemberRow[]> {
    const rows: { user_id: string; role: Role; created_at: Date }[] = await m.query(
      `SELECT user_id, role, created_at FROM memberships WHERE org_id = $1 ORDER BY user_id FOR UPDATE`, [scope.orgId]);
    const emails = await this.emails(m, rows.map((r) => r.user_id));
    return rows.map((r) => ({ userId: r.user_id, email: emails.get(r.user_id) ?? '', role: r.role, joinedAt: r.created_at }));
  },

  async emails(m: EntityManager, userIds: string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows: { id: string; email: string }[] = await m.query(`SELECT id, email FROM users WHERE id = ANY($1)`, [userIds]);
    return new Map(rows.map((r) => [r.id, r.email]));
  },

  async member(m: EntityManager, scope: TenantScope, userId: string): Promise<MemberRow | null> {
    const rows: RawMember[] = await m.query(
      `SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2`, [scope.orgId, userId]);
    return rows[0] ? toMember(rows[0]) : null;
  },

  /** Members by (joined, user id), keyset-paged (to the millisecond: the cursor carries a JavaScript date). */
  async pageMembers(m: EntityManager, scope: TenantScope, limit: number, after: [string, string] | null): Promise<MemberRow[]> {
    const rows: RawMember[] = await m.query(
      `SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.org_id = $1 ${after ? `AND (date_trunc('milliseconds', m.created_at), m.user_id) > ($3::timestamptz, $4::uuid)` : ''}
       ORDER BY date_trunc('milliseconds', m.created_at), m.user_id LIMIT $2`,
      after ? [scope.orgId, limit, after[0], after[1]] : [scope.orgId, limit]);
    return rows.map(toMember);
  },

  async setRole(m: EntityManager, scope: TenantScope, userId: string, role: Role): Promise<void> {
    await m.query(`UPDATE memberships SET role = $3 WHERE org_id = $1 AND user_id = $2`, [scope.orgId, userId, role]);
  },

  async insertMember(m: EntityManager, scope: TenantScope, userId: string, role: Role): Promise<void> {
    await m.query(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)`, [scope.orgId, userId, role]);
  },

  async deleteMember(m: EntityManager, scope: TenantScope, userId: string): Promise<void> {
    await m.query(`DELETE FROM memberships WHERE org_id = $1 AND user_id = $2`, [scope.orgId, userId]);
  },

  async invitation(m: EntityManager, scope: TenantScope, id: string, lock = false): Promise<InvitationRow | null> {
    const rows: RawInvitation[] = await m.query(
      `SELECT ${INVITATION_COLUMNS} FROM invitations i LEFT JOIN users u ON u.id = i.invited_by WHERE i.org_id = $1 AND i.id = $2 ${lock ? 'FOR UPDATE OF i' : ''}`, [scope.orgId, id]);
    return rows[0] ? toInvitation(rows[0]) : null;
  },

  /** Under `app.invitation_token_hash` only the invitation with that hash is visible (and the org id narrows the index). */
  async invitationByTokenHash(m: EntityManager, orgId: string, tokenHash: string): Promise<InvitationRow | null> {
    const rows: RawInvitation[] = await m.query(
      `SELECT i.org_id, i.id, i.email, i.role, i.invited_by, NULL AS invited_by_email, i.created_at, i.expires_at, i.accepted_at, i.revoked_at, i.resend_count
       FROM invitations i WHERE i.org_id = $1 AND i.token_hash = $2`, [orgId, tokenHash]);
    return rows[0] ? toInvitation(rows[0]) : null;
  },

  /** Invitations neither accepted nor revoked (expired ones included: they can be resent), newest first. */
  async pageOpenInvitations(m: EntityManager, scope: TenantScope, limit: number, after: [string, string] | null): Promise<InvitationRow[]> {
    const rows: RawInvitation[] = await m.query(
      `SELECT ${INVITATION_COLUMNS} FROM invitations i LEFT JOIN users u ON u.id = i.invited_by
       WHERE i.org_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL ${after ? `AND (date_trunc('milliseconds', i.created_at), i.id) < ($3::timestamptz, $4::uuid)` : ''}
       ORDER BY date_trunc('milliseconds', i.created_at) DESC, i.id DESC LIMIT $2`,
      after ? [scope.orgId, limit, after[0], after[1]] : [scope.orgId, limit]);
    return rows.map(toInvitation);
  },

  async openInvitationFor(m: EntityManager, scope: TenantScope, email: string, now: Date): Promise<InvitationRow | null> {
    const rows: RawInvitation[] = await m.query(
      `SELECT ${INVITATION_COLUMNS} FROM invitations i LEFT JOIN users u ON u.id = i.invited_by
       WHERE i.org_id = $1 AND i.email = $2 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $3 LIMIT 1`, [scope.orgId, email, now]);
    return rows[0] ? toInvitation(rows[0]) : null;
  },

  async insertInvitation(m: EntityManager, scope: TenantScope, inv: { id: string; email: string; role: Role; tokenHash: string; invitedBy: string | null; createdAt: Date; expiresAt: Date }): Promise<void> {
    await m.query(
      `INSERT INTO invitations (org_id, id, email, role, token_hash, invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [scope.orgId, inv.id, inv.email, inv.role, inv.tokenHash, inv.invitedBy, inv.createdAt, inv.expiresAt]);
  },

  async resendInvitation(m: EntityManager, scope: TenantScope, id: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await m.query(`UPDATE invitations SET token_hash = $3, expires_at = $4, resend_count = resend_count + 1 WHERE org_id = $1 AND id = $2`, [scope.orgId, id, tokenHash, expiresAt]);
  },

  async revokeInvitation(m: EntityManager, scope: TenantScope, id: string, now: Date): Promise<void> {
    await m.query(`UPDATE invitations SET revoked_at = $3 WHERE org_id = $1 AND id = $2`, [scope.orgId, id, now]);
  },

  async markAccepted(m: EntityManager, scope: TenantScope, id: string, userId: string, now: Date): Promise<void> {
    await m.query(`UPDATE invitations SET accepted_at = $3, accepted_by = $4 WHERE org_id = $1 AND id = $2`, [scope.orgId, id, now, userId]);
  },
};
