import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { invitationStatus } from '../../domain/invitations';
import { actorOf, type RequestContext } from '../../graphql/context';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, PageArgs, toPage } from '../../graphql/connection';
import { RoleEnum } from '../../graphql/enums';
import { authorize } from '../auth/authorize';
import type { Role } from '../tenancy/membership.entity';
import { Organization, toOrganization } from '../tenancy/tenancy.types';
import type { InvitationRow, MemberRow } from './members.repository';
import { MembersService } from './members.service';
import {
  AcceptInvitationPayload,
  Invitation,
  InvitationConnection,
  InvitationPayload,
  InviteMemberInput,
  MemberPayload,
  OrganizationMember,
  OrganizationMemberConnection,
  RemoveMemberPayload,
} from './members.types';

const toMember = (r: MemberRow): OrganizationMember => ({ user: { id: r.userId, email: r.email }, role: r.role, joinedAt: r.joinedAt });
const toInvitation = (r: InvitationRow, now: Date): Invitation => ({
  id: r.id, email: r.email, role: r.role, status: invitationStatus(r, now), invitedBy: r.invitedBy && r.invitedByEmail ? { id: r.invitedBy, email: r.invitedByEmail } : null,
  createdAt: r.createdAt, expiresAt: r.expiresAt, acceptedAt: r.acceptedAt, revokedAt: r.revokedAt, resendCount: r.resendCount,
});

@Resolver()
export class MembersMutationResolver {
  @Authorized('members.manage')
  @Mutation(() => InvitationPayload, {
    description: 'Invite someone to the active organization (OWNER, ADMIN; never above your own role). The invitee is emailed a link carrying a one-time token (follow it in mailDeliveries); the token is also returned once here, for integrations that deliver invitations themselves. It expires in 7 days.',
  })
  async inviteMember(@Arg('input', { description: 'Email and role.' }) input: InviteMemberInput, @Ctx() ctx: RequestContext): Promise<InvitationPayload> {
    const now = ctx.now();
    const r = await new MembersService(ctx.db, ctx.config.mail).invite(authorize(ctx.principal, 'members.manage'), actorOf(ctx), input, now);
    return { invitation: r.invitation ? toInvitation(r.invitation, now) : null, token: r.token, errors: r.errors };
  }

  @Authorized('members.manage')
  @Mutation(() => InvitationPayload, { description: 'Send an open (pending or expired) invitation again: a new token valid 7 days; the previous token stops working at once.' })
  async resendInvitation(@Arg('id', () => ID, { description: 'The invitation.' }) id: string, @Ctx() ctx: RequestContext): Promise<InvitationPayload> {
    const now = ctx.now();
    const r = await new MembersService(ctx.db, ctx.config.mail).resend(authorize(ctx.principal, 'members.manage'), actorOf(ctx), id, now);
    return { invitation: r.invitation ? toInvitation(r.invitation, now) : null, token: r.token, errors: r.errors };
  }

  @Authorized('members.manage')
  @Mutation(() => InvitationPayload, { description: 'Withdraw an open invitation: its token stops working at once.' })
  async revokeInvitation(@Arg('id', () => ID, { description: 'The invitation.' }) id: string, @Ctx() ctx: RequestContext): Promise<InvitationPayload> {
    const now = ctx.now();
    const r = await new MembersService(ctx.db).revoke(authorize(ctx.principal, 'members.manage'), actorOf(ctx), id, now);
    return { invitation: r.invitation ? toInvitation(r.invitation, now) : null, token: null, errors: r.errors };
  }

  @Authorized()
  @Mutation(() => AcceptInvitationPayload, {
    description: 'Join the organization that invited you (any signed-in person; no X-Org needed). Your email must be the invited one and verified by your identity provider. The token is spent.',
  })
  async acceptInvitation(
    @Arg('token', { description: 'The invitation token (tpi_...), from the invitation email, or as inviteMember or resendInvitation returned it.' }) token: string,
    @Ctx() ctx: RequestContext,
  ): Promise<AcceptInvitationPayload> {
    const r = await new MembersService(ctx.db).accept(ctx.principal, actorOf(ctx), token.slice(0, 200), ctx.now());
    // The caller is a member from now on: later fields of this same response (viewerRole) must see it.
    if (r.organization && r.role) {
      const { id, slug, name } = r.organization;
      ctx.principal.memberships.push({ orgId: id, slug, name, role: r.role });
    }
    return { organization: r.organization ? toOrganization(r.organization) : null, role: r.role, errors: r.errors };
  }

  @Authorized('members.manage')
  @Mutation(() => MemberPayload, { description: "Change a member's role (OWNER, ADMIN). Never above your own; an ADMIN cannot change an OWNER; the last OWNER stays OWNER." })
  async changeMemberRole(
    @Arg('userId', () => ID, { description: 'The member (User.id).' }) userId: string,
    @Arg('role', () => RoleEnum, { description: 'The new role.' }) role: Role,
    @Ctx() ctx: RequestContext,
  ): Promise<MemberPayload> {
    const r = await new MembersService(ctx.db).changeRole(authorize(ctx.principal, 'members.manage'), actorOf(ctx), userId, role);
    return { member: r.member ? toMember(r.member) : null, errors: r.errors };
  }

  @Authorized('members.manage')
  @Mutation(() => RemoveMemberPayload, {
    description: 'Remove a member (OWNER, ADMIN; an ADMIN cannot remove an OWNER; never the last OWNER). The API keys they created here are revoked at once, and their sign-in stops reaching this organization with their next request.',
  })
  async removeMember(@Arg('userId', () => ID, { description: 'The member (User.id).' }) userId: string, @Ctx() ctx: RequestContext): Promise<RemoveMemberPayload> {
    return new MembersService(ctx.db).remove(authorize(ctx.principal, 'members.manage'), actorOf(ctx), userId, ctx.now());
  }

  @Authorized('members.leave')
  @Mutation(() => RemoveMemberPayload, { description: 'Leave the active organization (any member but its last OWNER). The API keys you created there are revoked at once.' })
  async leaveOrganization(@Ctx() ctx: RequestContext): Promise<RemoveMemberPayload> {
    const scope = authorize(ctx.principal, 'members.leave');
    return new MembersService(ctx.db).remove(scope, actorOf(ctx), scope.userId!, ctx.now(), true);
  }

  @Authorized('members.transfer')
  @Mutation(() => MemberPayload, { description: 'OWNER only: make another member OWNER; you become ADMIN (to have two owners instead, use changeMemberRole).' })
  async transferOwnership(@Arg('userId', () => ID, { description: 'The member who becomes OWNER (User.id).' }) userId: string, @Ctx() ctx: RequestContext): Promise<MemberPayload> {
    const r = await new MembersService(ctx.db).transferOwnership(authorize(ctx.principal, 'members.transfer'), actorOf(ctx), userId);
    return { member: r.member ? toMember(r.member) : null, errors: r.errors };
  }
}

@Resolver(() => Organization)
export class OrganizationMembersResolver {
  @FieldResolver(() => OrganizationMemberConnection, { description: 'Members (any role): who belongs to the organization and their roles, earliest joined first.' })
  async members(@Root() org: Organization, @Args() page: PageArgs, @Ctx() ctx: RequestContext): Promise<OrganizationMemberConnection> {
    const scope = authorize(ctx.principal, 'members.read', { orgId: org.id });
    const limit = page.first ?? DEFAULT_PAGE_SIZE;
    const after = page.after ? (decodeCursor(page.after, ['timestamp', 'uuid']) as [string, string]) : null;
    const rows = await new MembersService(ctx.db).members(scope, limit + 1, after);
    return toPage(rows, limit, Boolean(after), (r) => encodeCursor([r.joinedAt.toISOString(), r.userId]), toMember);
  }

  @FieldResolver(() => InvitationConnection, { description: 'OWNER, ADMIN: open invitations (pending, and expired ones that can be resent), newest first. Tokens are never shown here.' })
  async invitations(@Root() org: Organization, @Args() page: PageArgs, @Ctx() ctx: RequestContext): Promise<InvitationConnection> {
    const scope = authorize(ctx.principal, 'members.manage', { orgId: org.id });
    const limit = page.first ?? DEFAULT_PAGE_SIZE;
    const after = page.after ? (decodeCursor(page.after, ['timestamp', 'uuid']) as [string, string]) : null;
    const now = ctx.now();
    const rows = await new MembersService(ctx.db).openInvitations(scope, limit + 1, after);
    return toPage(rows, limit, Boolean(after), (r) => encodeCursor([r.createdAt.toISOString(), r.id]), (r) => toInvitation(r, now));
  }
}
