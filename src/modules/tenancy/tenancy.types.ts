import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { RoleEnum } from '../../graphql/enums';
import type { Role } from './membership.entity';
import type { OrganizationEntity } from './organization.entity';
import type { OrganizationErrorCode } from './tenancy.service';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';

@ObjectType({ description: 'A tenant: a vendor publishing a trust center, a customer tracking vendors, or both.' })
export class Organization {
  @Field(() => ID, { description: 'Identifier (also accepted in the X-Org header).' })
  id: string;

  @Field({ description: 'URL name, unique: the public trust center is `trustCenter(slug:)`.' })
  slug: string;

  @Field({ description: 'Display name.' })
  name: string;

  @Field(() => [String], { description: 'Email domains the organization owns (used to recognise its people).' })
  emailDomains: string[];
}

export const toOrganization = (e: OrganizationEntity): Organization =>
  Object.assign(new Organization(), { id: e.id, slug: e.slug, name: e.name, emailDomains: e.emailDomains });

@ObjectType({ description: 'A signed-in person.' })
export class User {
  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field({ description: 'Email address from the token.' })
  email: string;
}

@ObjectType({ description: "The caller's role in one organization." })
export class Membership {
  orgId: string;

  @Field(() => RoleEnum, { description: 'The role.' })
  role: Role;
}

@ObjectType({ description: 'The caller: who they are, where they belong, and which organization this request acts for.' })
export class Viewer {
  @Field(() => User, { description: 'The signed-in user.' })
  user: User;

  @Field(() => [Membership], { description: "The caller's memberships." })
  memberships: Membership[];

  activeOrgId: string | null;
}

export const OrganizationErrorCodeEnum = ErrorCodes<OrganizationErrorCode>('OrganizationErrorCode', 'Why an organization change was refused.', {
  INVALID_SLUG: 'createOrganization: slug is not 1-48 lowercase letters, digits and inner hyphens, or is reserved (admin, api, graphql, www...).',
  SLUG_TAKEN: 'createOrganization: another organization already has this slug: choose another.',
  INVALID_NAME: 'createOrganization: name must be 1-200 characters.',
  INVALID_DOMAIN: 'createOrganization: an entry of emailDomains is not a domain name.',
  TOO_MANY_DOMAINS: 'createOrganization: emailDomains lists more than 50 domains.',
});

export const OrganizationError = PayloadErrorType('OrganizationError', OrganizationErrorCodeEnum, { description: 'A refused organization change.' });
export type OrganizationError = InstanceType<typeof OrganizationError>;

@ObjectType({ description: 'Result of createOrganization.' })
export class CreateOrganizationPayload {
  @Field(() => Organization, { nullable: true, description: 'The new organization, or null when refused.' })
  organization: Organization | null;

  @Field(() => [OrganizationError], { description: 'Why it was refused (empty on success).' })
  errors: OrganizationError[];
}

@InputType({ description: 'A new organization; the caller becomes its OWNER.' })
export class CreateOrganizationInput {
  @Field({ description: 'URL name: 1-48 lowercase letters, digits and inner hyphens.' })
  @MaxLength(100)
  slug: string;

  @Field({ description: 'Display name (1-200 characters).' })
  @MaxLength(500)
  name: string;

  @Field(() => [String], { nullable: true, description: 'Email domains the organization owns (at most 50).' })
  @IsOptional()
  @ArrayMaxSize(50)
  emailDomains?: string[] | null;
}
