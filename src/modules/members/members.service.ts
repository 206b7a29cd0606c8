import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import { INVITATION_TTL_MS, invitationStatus, newInvitationToken, normalizeEmail, parseInvitationToken } from '../../domain/invitations';
import { appError } from '../../graphql/errors';
import { apiKeys } from '../api-keys/api-key.service';
import { auditActor, auditLog } from '../audit/audit.service';
import { queueMail, requireMailSettings, type MailSettings } from '../mail/mail.service';
import { invitationMail } from '../mail/transactional';
import type { Principal } from '../auth/principal';
import { TenantScope } from '../auth/tenant-scope';
import { NotFoundError, isUuid, type Actor, type PayloadError } from '../common/errors';
import type { Role } from '../tenancy/membership.entity';
import type { OrganizationEntity } from '../tenancy/organization.entity';
import { mayGrant, roleAllows, type Action } from '../tenancy/tenancy.policy';
import { organizations } from '../tenancy/tenancy.service';
import { membersRepository, type InvitationRow, type MemberRow } from './members.repository';

export type MemberErrorCode =
  | 'INVALID_EMAIL'
  | 'ROLE_ABOVE_YOURS'
  | 'OWNER_PROTECTED'
  | 'LAST_OWNER'
  | 'SELF_TARGET'
  | 'ALREADY_MEMBER'
  | 'ALREADY_INVITED'
  | 'INVALID_TOKEN'
  | 'INVITATION_EXPIRED'
  | 'INVITATION_USED'
  | 'INVITATION_REVOKED'
  | 'EMAIL_MISMATCH'
  | 'EMAIL_NOT_VERIFIED';

type Err = PayloadError<MemberErrorCode>;
const err = (code: MemberErrorCode, field: string | null, message: string): Err => ({ code, field, message });

export interface InvitationResult { invitation: InvitationRow | null; token: string | null; errors: Err[] }
export interface MemberResult { member: MemberRow | null; errors: Err[] }
export interface RemovalResult { removedUserId: string | null; revokedApiKeyIds: string[] | null; errors: Err[] }
export interface AcceptResult { organization: OrganizationEntity | null; role: Role | null; errors: Err[] }

const noInvitation = (errors: Err[]): InvitationResult => ({ invitation: null, token: null, errors });
const noMember = (errors: Err[]): MemberResult => ({ member: null, errors });
const noRemoval = (errors: Err[]): RemovalResult => ({ removedUserId: null, revokedApiKeyIds: null, errors });

/**
 * Members and invitations (issue 13). Every change runs in one transaction that first locks all of the org's
 * memberships, so the rules below hold under concurrency; the caller's role is re-read from the locked rows (a role
 * changed by a request that committed first counts, not the one the request started with).
 *   - an organization always keeps at least one OWNER (LAST_OWNER);
 *   - nobody grants or invites a role above their own (ROLE_ABOVE_YOURS, ranking in tenancy.policy.ts);
 *   - an ADMIN cannot change or remove an OWNER (OWNER_PROTECTED);
 *   - removing a member, or leaving, revokes the API keys that user created in the org in the same transaction;
 *     their bearer token stops working for the org with the next request (memberships are read per request);
 *   - every change appends an audit event.
 */
export class MembersService {
  /** `mail`: the From and link settings (config.mail); needed by the calls that mail (invite, resend). */
  constructor(private readonly db: Database, private readonly mail?: MailSettings) {}

  /** Queues the invitation mail in the caller's transaction (the token is in it; the outbox drops it once delivered). */
  private async mailInvitation(m: EntityManager, scope: TenantScope, inviter: MemberRow, inv: { id: string; email: string; role: Role; resendCount: number }, token: string, expiresAt: Date): Promise<void> {
    const org = (await organizations.of(m, scope))!;
    await queueMail(m, scope, requireMailSettings(this.mail), invitationMail(requireMailSettings(this.mail), {
      invitationId: inv.id, resendCount: inv.resendCount, to: inv.email, orgName: org.name, inviterEmail: inviter.email || null, role: inv.role, token, expiresAt,
    }));
  }

  /** The caller among the locked rows, allowed `action`; a caller removed or demoted meanwhile is refused. */
  private actorIn(members: MemberRow[], scope: TenantScope, action: Action): MemberRow {
    const me = members.find((mb) => mb.userId === scope.userId);
    if (!me) throw new NotFoundError('Organization');
    if (!roleAllows(me.role, action)) throw appError('FORBIDDEN', `Your role ${me.role} may not do this (${action})`);
    return me;
  }

  private target(members: MemberRow[], userId: string): MemberRow {
    const found = isUuid(userId) ? members.find((mb) => mb.userId === userId.toLowerCase()) : undefined;
    if (!found) throw new NotFoundError('Member');
    return found;
  }

  private static owners(members: MemberRow[]): number {
    return members.filter((mb) => mb.role === 'OWNER').length;
  }

  async invite(scope: TenantScope, actor: Actor, input: { email: string; role: Role }, now: Date): Promise<InvitationResult> {
    const email = normalizeEmail(input.email);
    if (!email) return noInvitation([err('INVALID_EMAIL', 'email', 'email is not a valid address (name@domain.tld, at most 254 characters).')]);
    return this.db.transaction(scope.identity(), async (m) => {
      const members = await membersRepository.lockMembers(m, scope);
      const me = this.actorIn(members, scope, 'members.manage');
      if (!mayGrant(me.role, input.role)) return noInvitation([err('ROLE_ABOVE_YOURS', 'role', `You are ${me.role}: you cannot invite a ${input.role}.`)]);
      if (members.some((mb) => mb.email.toLowerCase() === email)) return noInvitation([err('ALREADY_MEMBER', 'email', `${email} is already a member: change their role instead.`)]);
      if (await membersRepository.openInvitationFor(m, scope, email, now)) {
        return noInvitation([err('ALREADY_INVITED', 'email', `${email} already has a pending invitation: resend or revoke it.`)]);
      }
      const id = randomUUID();
      const { token, tokenHash } = newInvitationToken(scope.orgId);
      const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
      await membersRepository.insertInvitation(m, scope, { id, email, role: input.role, tokenHash, invitedBy: scope.userId, createdAt: now, expiresAt });
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'member.invited', targetType: 'invitation', targetId: id, details: { email, role: input.role, expiresAt: expiresAt.toISOString() } });
      await this.mailInvitation(m, scope, me, { id, email, role: input.role, resendCount: 0 }, token, expiresAt);
      return { invitation: await membersRepository.invitation(m, scope, id), token, errors: [] };
    });
  }

  /** A new token and a new 7-day expiry; the previous token stops working at once. */
  async resend(scope: TenantScope, actor: Actor, id: string, now: Date): Promise<InvitationResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const members = await membersRepository.lockMembers(m, scope);
      const me = this.actorIn(members, scope, 'members.manage');
      const inv = isUuid(id) ? await membersRepository.invitation(m, scope, id, true) : null;
      if (!inv) throw new NotFoundError('Invitation');
      const closed = this.closed(inv);
      if (closed) return noInvitation([closed]);
      if (!mayGrant(me.role, inv.role)) return noInvitation([err('ROLE_ABOVE_YOURS', 'id', `You are ${me.role}: you cannot resend an invitation as ${inv.role}.`)]);
      const { token, tokenHash } = newInvitationToken(scope.orgId);
      const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
      await membersRepository.resendInvitation(m, scope, inv.id, tokenHash, expiresAt);
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'member.invitation_resent', targetType: 'invitation', targetId: inv.id, details: { email: inv.email, role: inv.role, resendCount: inv.resendCount + 1, expiresAt: expiresAt.toISOString() } });
      await this.mailInvitation(m, scope, me, { ...inv, resendCount: inv.resendCount + 1 }, token, expiresAt);
      return { invitation: await membersRepository.invitation(m, scope, inv.id), token, errors: [] };
    });
  }

  async revoke(scope: TenantScope, actor: Actor, id: string, now: Date): Promise<InvitationResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const members = await membersRepository.lockMembers(m, scope);
      this.actorIn(members, scope, 'members.manage');
      const inv = isUuid(id) ? await membersRepository.invitation(m, scope, id, true) : null;
      if (!inv) throw new NotFoundError('Invitation');
      const closed = this.closed(inv);
      if (closed) return noInvitation([closed]);
      await membersRepository.revokeInvitation(m, scope, inv.id, now);
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'member.invitation_revoked', targetType: 'invitation', targetId: inv.id, details: { email: inv.email, role: inv.role } });
      return { invitation: await membersRepository.invitation(m, scope, inv.id), token: null, errors: [] };
    });
  }

  private closed(inv: InvitationRow): Err | null {
    if (inv.acceptedAt) return err('INVITATION_USED', 'id', 'This invitation was already accepted.');
    if (inv.revokedAt) return err('INVITATION_REVOKED', 'id', 'This invitation was revoked: send a new one.');
    return null;
  }

  async changeRole(scope: TenantScope, actor: Actor, userId: string, role: Role): Promise<MemberResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const members = await membersRepository.lockMembers(m, scope);
      const me = this.actorIn(members, scope, 'members.manage');
      const target = this.target(members, userId);
      if (me.role !== 'OWNER' && target.role === 'OWNER') return noMember([err('OWNER_PROTECTED', 'userId', 'Only an OWNER can change an OWNER\'s role.')]);
      if (!mayGrant(me.role, role)) return noMember([err('ROLE_ABOVE_YOURS', 'role', `You are ${me.role}: you cannot grant ${role}.`)]);
      if (target.role === 'OWNER' && role !== 'OWNER' && MembersService.owners(members) === 1) {
        return noMember([err('LAST_OWNER', 'role', 'This is the only OWNER: make someone else OWNER first (transferOwnership).')]);
      }
      if (target.role === role) return { member: target, errors: [] };
      await membersRepository.setRole(m, scope, target.userId, role);
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'member.role_changed', targetType: 'user', targetId: target.userId, details: { email: target.email, from: target.role, to: role } });
      return { member: await membersRepository.member(m, scope, target.userId), errors: [] };
    });
  }

  /** Removes a member (or the caller: `leave`); their API keys created in this org are revoked in the same transaction. */
  async remove(scope: TenantScope, actor: Actor, userId: string, now: Date, leave = false): Promise<RemovalResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const members = await membersRepository.lockMembers(m, scope);
      const me = this.actorIn(members, scope, leave ? 'members.leave' : 'members.manage');
      const target = leave ? me : this.target(members, userId);
      if (target.userId !== me.userId && me.role !== 'OWNER' && target.role === 'OWNER') {
        return noRemoval([err('OWNER_PROTECTED', 'userId', 'Only an OWNER can remove an OWNER.')]);
      }
      if (target.role === 'OWNER' && MembersService.owners(members) === 1) {
        return noRemoval([err('LAST_OWNER', leave ? null : 'userId', 'This is the only OWNER: transfer ownership first (transferOwnership).')]);
      }
      await membersRepository.deleteMember(m, scope, target.userId);
      const revokedApiKeyIds = await apiKeys.revokeCreatedBy(m, scope, target.userId, now);
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: leave ? 'member.left' : 'member.removed', targetType: 'user', targetId: target.userId,
        details: { email: target.email, role: target.role, revokedApiKeyIds },
      });
      return { removedUserId: target.userId, revokedApiKeyIds, errors: [] };
    });
  }

  /** The target becomes OWNER and the caller, an OWNER, becomes ADMIN (a transfer, not a second owner: use changeMemberRole for that). */
  async transferOwnership(scope: TenantScope, actor: Actor, userId: string): Promise<MemberResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const members = await membersRepository.lockMembers(m, scope);
      const me = this.actorIn(members, scope, 'members.transfer');
      if (isUuid(userId) && userId.toLowerCase() === me.userId) return noMember([err('SELF_TARGET', 'userId', 'You are already an OWNER: name another member.')]);
      const target = this.target(members, userId);
      if (target.role !== 'OWNER') await membersRepository.setRole(m, scope, target.userId, 'OWNER');
      await membersRepository.setRole(m, scope, me.userId, 'ADMIN');
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'member.ownership_transferred', targetType: 'user', targetId: target.userId, details: { email: target.email, from: target.role, previousOwnerNowAdmin: me.userId } });
      return { member: await membersRepository.member(m, scope, target.userId), errors: [] };
    });
  }

  /**
   * The signed-in user joins the org whose invitation this token is. Found by the token's hash only (a narrow lookup);
   * then, acting in that org, the memberships and the invitation are locked and every rule is checked on locked rows.
   */
  async accept(principal: Principal, actor: Actor, token: string, now: Date): Promise<AcceptResult> {
    const user = principal.user!;
    const none = (errors: Err[]): AcceptResult => ({ organization: null, role: null, errors });
    const invalid = none([err('INVALID_TOKEN', 'token', 'This is not a valid invitation token.')]);
    const parsed = parseInvitationToken(token);
    if (!parsed) return invalid;
    return this.db.transaction(DbScope.invitationLookup(parsed.tokenHash, user.id), async (m) => {
      const found = await membersRepository.invitationByTokenHash(m, parsed.orgId, parsed.tokenHash);
      if (!found) return invalid;
      const scope = TenantScope.forInvitee(found.orgId, user.id, found.role);
      await this.db.actAs(m, DbScope.invitee(found.orgId, user.id));
      const members = await membersRepository.lockMembers(m, scope);
      const inv = await membersRepository.invitation(m, scope, found.id, true);
      const refusal = inv ? this.acceptRefusal(inv, user, members, now) : invalid.errors[0]!;
      if (refusal) return none([refusal]);
      await membersRepository.insertMember(m, scope, user.id, inv!.role);
      await membersRepository.markAccepted(m, scope, inv!.id, user.id, now);
      await auditLog.append(m, scope, {
        ...auditActor(actor), actorOrgId: scope.orgId, action: 'member.joined', targetType: 'user', targetId: user.id,
        details: { email: inv!.email, role: inv!.role, invitationId: inv!.id, invitedBy: inv!.invitedBy },
      });
      const organization = (await organizations.of(m, scope))!;
      return { organization, role: inv!.role, errors: [] };
    });
  }

  private acceptRefusal(inv: InvitationRow, user: NonNullable<Principal['user']>, members: MemberRow[], now: Date): Err | null {
    switch (invitationStatus(inv, now)) {
      case 'REVOKED': return err('INVITATION_REVOKED', 'token', 'This invitation was revoked: ask for a new one.');
      case 'ACCEPTED': return err('INVITATION_USED', 'token', 'This invitation was already used.');
      case 'EXPIRED': return err('INVITATION_EXPIRED', 'token', 'This invitation has expired: ask for it to be resent.');
      case 'PENDING': break;
    }
    if (user.email.toLowerCase() !== inv.email) return err('EMAIL_MISMATCH', 'token', 'This invitation is for another email address: sign in as the invited address.');
    if (user.emailVerified !== true) return err('EMAIL_NOT_VERIFIED', 'token', 'Your identity provider has not verified your email address: verify it, then sign in again.');
    if (members.some((mb) => mb.userId === user.id)) return err('ALREADY_MEMBER', 'token', 'You are already a member of this organization.');
    return null;
  }

  async members(scope: TenantScope, limit: number, after: [string, string] | null): Promise<MemberRow[]> {
    return this.db.transaction(scope.identity(), (m) => membersRepository.pageMembers(m, scope, limit, after));
  }

  async openInvitations(scope: TenantScope, limit: number, after: [string, string] | null): Promise<InvitationRow[]> {
    return this.db.transaction(scope.identity(), (m) => membersRepository.pageOpenInvitations(m, scope, limit, after));
  }
}
