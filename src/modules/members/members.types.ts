import { MaxLength } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { InvitationStatus } from '../../domain/invitations';
import { Connection } from '../../graphql/connection';
import { RoleEnum } from '../../graphql/enums';
import type { Role } from '../tenancy/membership.entity';
import { Organization, User } from '../tenancy/tenancy.types';
import type { MemberErrorCode } from './members.service';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';

@ObjectType({ description: 'A person in the organization and their role.' })
export class OrganizationMember {
  @Field(() => User, { description: 'The person.' })
  user: User;

  @Field(() => RoleEnum, { description: 'Their role here.' })
  role: Role;

  @Field(() => Date, { description: 'When they joined (created the organization, accepted an invitation, or were added).' })
  joinedAt: Date;
}

@ObjectType('OrganizationMemberConnection', { description: 'A page of members, earliest joined first.' })
export class OrganizationMemberConnection extends Connection(OrganizationMember, 'OrganizationMember') {}

export const InvitationStatusEnum = { PENDING: 'PENDING', EXPIRED: 'EXPIRED', ACCEPTED: 'ACCEPTED', REVOKED: 'REVOKED' } as const satisfies Record<InvitationStatus, InvitationStatus>;
registerEnumType(InvitationStatusEnum, {
  name: 'InvitationStatus',
  description: 'Where an invitation stands.',
  valuesConfig: {
    PENDING: { description: 'Waiting for the invitee: its token works until expiresAt.' },
    EXPIRED: { description: 'Not accepted within 7 days: resendInvitation gives it a new token and 7 more days.' },
    ACCEPTED: { description: 'The invitee joined; the token is spent.' },
    REVOKED: { description: 'Withdrawn by an OWNER or ADMIN; the token no longer works.' },
  } satisfies Record<InvitationStatus, { description: string }>,
});

@ObjectType({ description: 'An invitation to join the organization. Its token is shown once (inviteMember, resendInvitation) and never stored.' })
export class Invitation {
  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field({ description: 'The invited address (lower-cased): only a signed-in user with this verified email can accept.' })
  email: string;

  @Field(() => RoleEnum, { description: 'The role the invitee gets on accepting.' })
  role: Role;

  @Field(() => InvitationStatusEnum, { description: 'Where it stands.' })
  status: InvitationStatus;

  @Field(() => User, { nullable: true, description: 'Who invited (null when that person is no longer a member).' })
  invitedBy: User | null;

  @Field(() => Date, { description: 'When it was created.' })
  createdAt: Date;

  @Field(() => Date, { description: 'When its current token stops working (7 days after it was sent or last resent).' })
  expiresAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it was accepted.' })
  acceptedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was revoked.' })
  revokedAt: Date | null;

  @Field(() => Int, { description: 'How many times it was resent (each resend replaced the token).' })
  resendCount: number;
}

@ObjectType('InvitationConnection', { description: 'A page of invitations, newest first.' })
export class InvitationConnection extends Connection(Invitation, 'Invitation') {}

export const MemberErrorCodeEnum = ErrorCodes<MemberErrorCode>('MemberErrorCode', 'Why a change to members or invitations was refused.', {
  INVALID_EMAIL: 'inviteMember: email is not an address (name@domain.tld, at most 254 characters).',
  ROLE_ABOVE_YOURS: 'inviteMember, resendInvitation, changeMemberRole: the role ranks above yours (OWNER > ADMIN > the other roles); nobody grants more than they hold.',
  OWNER_PROTECTED: 'changeMemberRole, removeMember: an ADMIN cannot change or remove an OWNER.',
  LAST_OWNER: 'changeMemberRole, removeMember, leaveOrganization: this would leave the organization without an OWNER; make another member OWNER first.',
  SELF_TARGET: 'transferOwnership: you named yourself; name the member who becomes OWNER.',
  ALREADY_MEMBER: 'inviteMember: the address belongs to a member already; acceptInvitation: you are a member already.',
  ALREADY_INVITED: 'inviteMember: the address has a pending invitation; resend or revoke it instead.',
  INVALID_TOKEN: 'acceptInvitation: the token is malformed or matches no invitation (tokens replaced by a resend match none).',
  INVITATION_EXPIRED: 'acceptInvitation: the invitation is more than 7 days old; ask for it to be resent.',
  INVITATION_USED: 'acceptInvitation, resendInvitation, revokeInvitation: the invitation was already accepted (tokens are single-use).',
  INVITATION_REVOKED: 'acceptInvitation, resendInvitation, revokeInvitation: the invitation was revoked.',
  EMAIL_MISMATCH: 'acceptInvitation: the invitation is for another email address than the signed-in user\'s.',
  EMAIL_NOT_VERIFIED: 'acceptInvitation: the identity provider has not verified the signed-in user\'s email (the token lacks `email_verified: true`).',
});

export const MemberError = PayloadErrorType('MemberError', MemberErrorCodeEnum, { description: 'A refused change to members or invitations.' });
export type MemberError = InstanceType<typeof MemberError>;

@ObjectType({ description: 'Result of inviteMember, resendInvitation and revokeInvitation.' })
export class InvitationPayload {
  @Field(() => Invitation, { nullable: true, description: 'The invitation, or null when refused.' })
  invitation: Invitation | null;

  @Field(() => String, {
    nullable: true,
    description:
      'inviteMember and resendInvitation: the one-time invitation token, shown only in this response and never readable again (only its hash is stored). ' +
      'Email delivery is not built yet: share it with the invitee yourself; they sign in with the invited, verified address and call acceptInvitation(token:). ' +
      'Null for revokeInvitation and on refusal.',
  })
  token: string | null;

  @Field(() => [MemberError], { description: 'Why it was refused (empty on success).' })
  errors: MemberError[];
}

@ObjectType({ description: 'Result of changeMemberRole and transferOwnership.' })
export class MemberPayload {
  @Field(() => OrganizationMember, { nullable: true, description: 'The member as they are now (transferOwnership: the new OWNER), or null when refused.' })
  member: OrganizationMember | null;

  @Field(() => [MemberError], { description: 'Why it was refused (empty on success).' })
  errors: MemberError[];
}

@ObjectType({ description: 'Result of removeMember and leaveOrganization.' })
export class RemoveMemberPayload {
  @Field(() => ID, { nullable: true, description: 'The user who is no longer a member, or null when refused.' })
  removedUserId: string | null;

  @Field(() => [ID], { nullable: true, description: 'The API keys that user had created in this organization, revoked in the same transaction (null when refused).' })
  revokedApiKeyIds: string[] | null;

  @Field(() => [MemberError], { description: 'Why it was refused (empty on success).' })
  errors: MemberError[];
}

@ObjectType({ description: 'Result of acceptInvitation.' })
export class AcceptInvitationPayload {
  @Field(() => Organization, { nullable: true, description: 'The organization joined (use its slug or id as X-Org), or null when refused.' })
  organization: Organization | null;

  @Field(() => RoleEnum, { nullable: true, description: 'The role received, or null when refused.' })
  role: Role | null;

  @Field(() => [MemberError], { description: 'Why it was refused (empty on success).' })
  errors: MemberError[];
}

@InputType({ description: 'Who to invite, and as what.' })
export class InviteMemberInput {
  @Field({ description: 'Their email address (compared case-insensitively with the address their identity provider verified).' })
  @MaxLength(320)
  email: string;

  @Field(() => RoleEnum, { description: 'The role they get on accepting: at most your own (an ADMIN cannot invite an OWNER).' })
  role: Role;
}
