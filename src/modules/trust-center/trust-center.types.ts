import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { AgeAnchor } from '../../domain/freshness';
import { safeWebUrl } from '../../domain/url';
import { AgeAnchorEnum, TrustCenterStatusEnum } from '../../graphql/enums';
import type { TrustCenterEntity, TrustCenterStatus } from './trust-center.entity';
import type { TrustCenterErrorCode } from './trust-center.service';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';

@ObjectType({ description: 'How this trust center counts freshness (buyers may apply their own policies).' })
export class FreshnessPolicy {
  @Field(() => AgeAnchorEnum, { description: 'What a report\'s age counts from.' })
  ageAnchor: AgeAnchor;

  @Field(() => Int, { description: 'Maximum age in calendar months before a report is stale (default 12).' })
  maxAgeMonths: number;

  @Field(() => Int, { description: 'Days before going stale that a report counts as expiring soon (default 60).' })
  expiringSoonDays: number;
}

@ObjectType({ description: "A vendor's trust center: its public profile and published attestations." })
export class TrustCenter {
  orgId: string;

  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field({ description: 'The public URL name (the organization slug).' })
  slug: string;

  @Field({ description: 'The vendor\'s name.' })
  name: string;

  @Field(() => TrustCenterStatusEnum, { description: 'DRAFT (members only) or PUBLISHED.' })
  status: TrustCenterStatus;

  @Field(() => String, { nullable: true, description: 'One-line headline.' })
  headline: string | null;

  @Field(() => String, { nullable: true, description: 'Description of the vendor\'s security program.' })
  description: string | null;

  @Field(() => String, { nullable: true, description: 'Security contact email.' })
  contactEmail: string | null;

  @Field(() => String, { nullable: true, description: 'Website: an absolute http(s) URL, normalized (null when none is set).' })
  websiteUrl: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was last published.' })
  publishedAt: Date | null;

  @Field(() => FreshnessPolicy, { description: 'Freshness settings applied to its attestations.' })
  freshnessPolicy: FreshnessPolicy;

  @Field(() => Int, { description: 'How many months past a period end bridge letters may cover (default 3).' })
  bridgeLetterMaxMonths: number;
}

export function toTrustCenter(e: TrustCenterEntity, org: { slug: string; name: string }): TrustCenter {
  return Object.assign(new TrustCenter(), {
    orgId: e.orgId,
    id: e.id,
    slug: org.slug,
    name: org.name,
    status: e.status,
    headline: e.headline,
    description: e.description,
    contactEmail: e.contactEmail,
    // Served only if it passes today's check: a row stored before it (or written around the API) links nowhere.
    websiteUrl: safeWebUrl(e.websiteUrl),
    publishedAt: e.publishedAt,
    freshnessPolicy: { ageAnchor: e.ageAnchor, maxAgeMonths: e.maxAgeMonths, expiringSoonDays: e.expiringSoonDays },
    bridgeLetterMaxMonths: e.bridgeLetterMaxMonths,
  });
}

export const TrustCenterErrorCodeEnum = ErrorCodes<TrustCenterErrorCode>('TrustCenterErrorCode', 'Why a trust center change was refused.', {
  INVALID_EMAIL: 'updateTrustCenter: contactEmail is not an email address.',
  INVALID_URL: 'updateTrustCenter: websiteUrl is not an absolute http:// or https:// URL with a host, or it has a user name or password, spaces, control or invisible characters, a backslash, or more than 2048 characters.',
  INVALID_SETTING: 'updateTrustCenter: maxAgeMonths (1-60), expiringSoonDays (0-365) or bridgeLetterMaxMonths (1-12) is not a whole number in its range.',
  ALREADY_PUBLISHED: 'publishTrustCenter: the trust center is already published.',
  NOT_PUBLISHED: 'unpublishTrustCenter: the trust center is not published.',
});

export const TrustCenterError = PayloadErrorType('TrustCenterError', TrustCenterErrorCodeEnum, { description: 'A refused trust center change.' });
export type TrustCenterError = InstanceType<typeof TrustCenterError>;

@ObjectType({ description: 'Result of a trust center mutation.' })
export class TrustCenterPayload {
  @Field(() => TrustCenter, { nullable: true, description: 'The trust center after the change.' })
  trustCenter: TrustCenter | null;

  @Field(() => [TrustCenterError], { description: 'Why it was refused (empty on success).' })
  errors: TrustCenterError[];
}

@InputType({ description: 'Changes to the active organization\'s trust center. Omitted fields keep their value.' })
export class UpdateTrustCenterInput {
  @Field(() => String, { nullable: true, description: 'One-line headline.' })
  @IsOptional()
  @MaxLength(200)
  headline?: string | null;

  @Field(() => String, { nullable: true, description: 'Description.' })
  @IsOptional()
  @MaxLength(10000)
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'Security contact email.' })
  @IsOptional()
  @MaxLength(320)
  contactEmail?: string | null;

  // No @MaxLength: the URL check owns the limit (2048), so an over-long one is INVALID_URL like any other bad URL.
  @Field(() => String, { nullable: true, description: 'Website: an absolute http:// or https:// URL with a host, at most 2048 characters; stored normalized. Null or "" clears it.' })
  @IsOptional()
  websiteUrl?: string | null;

  @Field(() => AgeAnchorEnum, { nullable: true, description: 'What a report\'s age counts from.' })
  @IsOptional()
  ageAnchor?: AgeAnchor | null;

  @Field(() => Int, { nullable: true, description: 'Maximum age in months (1-60).' })
  @IsOptional()
  maxAgeMonths?: number | null;

  @Field(() => Int, { nullable: true, description: 'Expiring-soon window in days (0-365).' })
  @IsOptional()
  expiringSoonDays?: number | null;

  @Field(() => Int, { nullable: true, description: 'How many months past a period end bridge letters may cover (1-12).' })
  @IsOptional()
  bridgeLetterMaxMonths?: number | null;
}
