import { ArrayMaxSize, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { AccessState } from '../../domain/access';
import type { CalendarDate } from '../../domain/calendar-date';
import { Connection } from '../../graphql/connection';
import { AccessStateEnum, GrantScopeEnum, NdaAcceptanceScopeEnum } from '../../graphql/enums';
import { DateScalar } from '../../graphql/scalars';
import type { AccessErrorCode } from './access.service';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';
import type { DownloadErrorCode } from './download.service';

@ObjectType({ description: "A version of a vendor's NDA. Immutable once published." })
export class NdaTemplate {
  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field(() => Int, { description: 'Version number, from 1.' })
  version: number;

  @Field({ description: 'Title.' })
  title: string;

  @Field({ description: 'The full text a customer accepts.' })
  body: string;

  @Field({ description: 'SHA-256 of the text (recorded with every acceptance).' })
  bodySha256: string;

  @Field({ description: 'DRAFT or PUBLISHED.' })
  status: string;

  @Field(() => Date, { nullable: true, description: 'When it was published.' })
  publishedAt: Date | null;
}

@ObjectType({ description: 'A signature on an NDA version, or a vendor\'s record of an NDA signed elsewhere. Never changed.' })
export class NdaAcceptance {
  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field({ description: 'CLICKWRAP (accepted here) or ON_FILE (recorded by the vendor).' })
  source: string;

  @Field(() => Int, { nullable: true, description: 'The NDA version accepted (null for ON_FILE).' })
  templateVersion: number | null;

  @Field(() => String, { nullable: true, description: 'SHA-256 of the text accepted.' })
  bodySha256: string | null;

  @Field({ description: 'Who signed.' })
  signerName: string;

  @Field(() => String, { nullable: true, description: "The signer's title." })
  signerTitle: string | null;

  @Field(() => String, { nullable: true, description: "The signer's verified email." })
  signerEmail: string | null;

  @Field({ description: 'The customer organization it covers.' })
  customerOrganizationName: string;

  @Field(() => String, { nullable: true, description: 'The signer\'s IP address.' })
  ip: string | null;

  @Field(() => String, { nullable: true, description: "The signer's user agent." })
  userAgent: string | null;

  @Field(() => Date, { description: 'When.' })
  acceptedAt: Date;
}

@ObjectType({ description: 'One step in an access request\'s history.' })
export class AccessRequestEvent {
  @Field(() => AccessStateEnum, { nullable: true, description: 'State before (null for the request itself).' })
  fromState: AccessState | null;

  @Field(() => AccessStateEnum, { description: 'State after.' })
  toState: AccessState;

  @Field(() => String, { nullable: true, description: 'The policy rule that decided it, when automatic.' })
  rule: string | null;

  @Field(() => String, { nullable: true, description: 'Reason given.' })
  reason: string | null;

  @Field(() => ID, { nullable: true, description: 'The user who acted (null for a policy rule).' })
  actorUserId: string | null;

  @Field(() => Date, { description: 'When.' })
  occurredAt: Date;
}

@ObjectType({ description: "A customer's request for a vendor's restricted documents." })
export class AccessRequest {
  orgId: string;
  requesterOrgId: string;
  requesterUserId: string;
  documentIdList: string[];

  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field(() => AccessStateEnum, { description: 'Current state (APPROVED becomes EXPIRED when the grant runs out).' })
  state: AccessState;

  @Field({ description: 'DOCUMENTS (named ones) or ALL_RESTRICTED.' })
  scope: string;

  @Field(() => String, { nullable: true, description: "The requester's reason." })
  reason: string | null;

  @Field({ description: "The requester's verified email." })
  requesterEmail: string;

  @Field({ description: "The requester's organization." })
  requesterOrganizationName: string;

  @Field(() => String, { nullable: true, description: 'The policy rule that decided it, when automatic.' })
  rule: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was decided.' })
  decidedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'The decision\'s reason.' })
  decisionReason: string | null;

  @Field(() => Date, { nullable: true, description: 'When the grant ends.' })
  grantExpiresAt: Date | null;

  @Field(() => Date, { description: 'When it was made.' })
  createdAt: Date;
}

@ObjectType('AccessRequestConnection', { description: 'A page of access requests.' })
export class AccessRequestConnection extends Connection(AccessRequest, 'AccessRequest') {}

@ObjectType({ description: "A vendor's access policy (members only)." })
export class AccessPolicy {
  @Field({ description: 'Whether restricted downloads need an accepted NDA.' })
  ndaRequired: boolean;

  @Field(() => NdaAcceptanceScopeEnum, { description: 'Whom one acceptance covers.' })
  ndaAcceptanceScope: string;

  @Field({ description: 'Whether a new NDA version needs a new acceptance.' })
  ndaReacceptOnNewVersion: boolean;

  @Field(() => [String], { description: 'Requests from these verified email domains (and subdomains) are approved at once.' })
  autoApproveDomains: string[];

  @Field(() => [ID], { description: 'Requests from these customer organizations are approved at once.' })
  autoApproveOrganizationIds: string[];

  @Field(() => [String], { description: 'Requests from these domains are denied at once.' })
  blockedDomains: string[];

  @Field({ description: 'Whether requests from free mail domains (gmail.com...) are denied at once.' })
  blockFreeMailDomains: boolean;

  @Field(() => Int, { description: 'Days an approval lasts unless the decision says otherwise.' })
  defaultGrantDays: number;

  @Field(() => GrantScopeEnum, { description: 'What an approval grants.' })
  grantScope: string;
}

@ObjectType({ description: 'A presigned download link: valid for minutes, for one object.' })
export class DownloadLink {
  @Field({ description: 'The URL (GET). Do not store or share it: it expires at `expiresAt`.' })
  url: string;

  @Field(() => Date, { description: 'When it stops working.' })
  expiresAt: Date;

  @Field({ description: 'The file name it downloads as.' })
  fileName: string;

  @Field({ description: 'MIME type.' })
  contentType: string;

  @Field(() => Float, { description: 'Size in bytes.' })
  sizeBytes: number;

  @Field({ description: 'Whether the file carries a per-recipient watermark.' })
  watermarked: boolean;
}

export const AccessErrorCodeEnum = ErrorCodes<AccessErrorCode>('AccessErrorCode', 'Why an NDA or access operation was refused.', {
  ALREADY_REQUESTED: 'requestAccess: you already have an open request with this vendor; wait for its decision.',
  ALREADY_GRANTED: "requestAccess: your organization's live grants already cover the documents asked for (or the whole trust center): download them instead.",
  OWN_ORGANIZATION: 'acceptNda, requestAccess or recordNdaOnFile named your own organization: members neither sign their own NDA nor request their own documents.',
  DOCUMENT_NOT_FOUND: 'requestAccess: a document in documentIds is not on this trust center (missing, private or without a file yet), or more than 100 were given.',
  DOCUMENT_NOT_RESTRICTED: 'requestAccess: a document in documentIds is PUBLIC and needs no request: download it directly.',
  NO_RESTRICTED_DOCUMENTS: 'requestAccess without documentIds: the trust center has no restricted documents to grant.',
  INVALID_TRANSITION: "decideAccessRequest or revokeAccess: the request's state does not allow it (only a REQUESTED request can be decided, only an unexpired APPROVED one revoked).",
  NDA_VERSION_MISMATCH: 'acceptNda: the NDA version you accepted is no longer current: fetch trustCenter.nda and accept its version.',
  NO_NDA: 'acceptNda: the trust center has no published NDA to accept.',
  NDA_NOT_DRAFT: 'publishNdaTemplate: that version, or a newer one, is already published: create a new version instead.',
  INVALID_NDA: 'createNdaTemplate: the title must be 1-200 characters and the body 20-100000 characters.',
  INVALID_POLICY: 'updateAccessPolicy or decideAccessRequest: a domain is not a domain name, a domain list exceeds 200 entries, or defaultGrantDays / grantDays is outside 1-1095.',
  CUSTOMER_NOT_FOUND: 'updateAccessPolicy (autoApproveOrganizationSlugs) or recordNdaOnFile (customerSlug): no organization has that slug.',
  INVALID_SIGNATURE: 'acceptNda or recordNdaOnFile: signerName must be 1-200 characters.',
});

export const AccessError = PayloadErrorType('AccessError', AccessErrorCodeEnum, { description: 'A refused NDA or access operation.' });
export type AccessError = InstanceType<typeof AccessError>;

export const DownloadErrorCodeEnum = ErrorCodes<DownloadErrorCode>('DownloadErrorCode', 'Why a download was refused (missing, hidden and ungranted documents are NOT_FOUND errors instead).', {
  NDA_REQUIRED: 'Accept the NDA version named in `ndaVersion` first (acceptNda).',
  CANNOT_WATERMARK: 'The restricted PDF cannot be stamped (encrypted or damaged), so it is not handed out.',
});

@ObjectType({ description: 'A refused download.' })
export class DownloadError {
  @Field(() => DownloadErrorCodeEnum, { description: 'Machine-readable reason.' })
  code: DownloadErrorCode;

  @Field({ description: 'Human-readable explanation.' })
  message: string;

  @Field(() => Int, { nullable: true, description: 'The NDA version to accept.' })
  ndaVersion: number | null;
}

@ObjectType({ description: 'Result of requestDocumentDownload.' })
export class DownloadPayload {
  @Field(() => DownloadLink, { nullable: true, description: 'The link, when allowed.' })
  download: DownloadLink | null;

  @Field(() => [DownloadError], { description: 'Why not (empty on success).' })
  errors: DownloadError[];
}

@ObjectType({ description: 'Result of an NDA template mutation.' })
export class NdaTemplatePayload {
  @Field(() => NdaTemplate, { nullable: true, description: 'The template.' })
  ndaTemplate: NdaTemplate | null;

  @Field(() => [AccessError], { description: 'Why it was refused (empty on success).' })
  errors: AccessError[];
}

@ObjectType({ description: 'Result of acceptNda or recordNdaOnFile.' })
export class NdaAcceptancePayload {
  @Field(() => NdaAcceptance, { nullable: true, description: 'The recorded acceptance.' })
  acceptance: NdaAcceptance | null;

  @Field(() => [AccessError], { description: 'Why it was refused (empty on success).' })
  errors: AccessError[];
}

@ObjectType({ description: 'Result of an access request mutation.' })
export class AccessRequestPayload {
  @Field(() => AccessRequest, { nullable: true, description: 'The request after the change.' })
  accessRequest: AccessRequest | null;

  @Field(() => [AccessError], { description: 'Why it was refused (empty on success).' })
  errors: AccessError[];
}

@ObjectType({ description: 'Result of updateAccessPolicy.' })
export class AccessPolicyPayload {
  @Field(() => AccessPolicy, { nullable: true, description: 'The policy after the change.' })
  accessPolicy: AccessPolicy | null;

  @Field(() => [AccessError], { description: 'Why it was refused (empty on success).' })
  errors: AccessError[];
}

@InputType({ description: 'A new NDA version (a draft until published).' })
export class CreateNdaTemplateInput {
  @Field({ description: 'Title.' })
  @MaxLength(500)
  title: string;

  @Field({ description: 'The full text (20-100000 characters).' })
  @MaxLength(200_000)
  body: string;
}

@InputType({ description: "Changes to the active organization's access policy. Omitted fields keep their value." })
export class UpdateAccessPolicyInput {
  @Field({ nullable: true, description: 'Whether restricted downloads need an accepted NDA.' })
  @IsOptional()
  ndaRequired?: boolean;

  @Field(() => NdaAcceptanceScopeEnum, { nullable: true, description: 'Whom one acceptance covers.' })
  @IsOptional()
  ndaAcceptanceScope?: 'USER' | 'ORGANIZATION';

  @Field({ nullable: true, description: 'Whether a new NDA version needs a new acceptance.' })
  @IsOptional()
  ndaReacceptOnNewVersion?: boolean;

  @Field(() => [String], { nullable: true, description: 'Auto-approve these verified email domains (replaces the list).' })
  @IsOptional()
  @ArrayMaxSize(200)
  autoApproveDomains?: string[];

  @Field(() => [String], { nullable: true, description: 'Auto-approve these customer organizations, by slug (replaces the list).' })
  @IsOptional()
  @ArrayMaxSize(200)
  autoApproveOrganizationSlugs?: string[];

  @Field(() => [String], { nullable: true, description: 'Deny these email domains at once (replaces the list).' })
  @IsOptional()
  @ArrayMaxSize(200)
  blockedDomains?: string[];

  @Field({ nullable: true, description: 'Deny requests from free mail domains at once.' })
  @IsOptional()
  blockFreeMailDomains?: boolean;

  @Field(() => Int, { nullable: true, description: 'Default grant length in days (1-1095).' })
  @IsOptional()
  defaultGrantDays?: number;

  @Field(() => GrantScopeEnum, { nullable: true, description: 'What an approval grants.' })
  @IsOptional()
  grantScope?: 'DOCUMENT' | 'TRUST_CENTER';
}

@InputType({ description: "Accept a vendor's current NDA for your organization." })
export class AcceptNdaInput {
  @Field({ description: "The vendor's trust center slug." })
  @MaxLength(100)
  trustCenterSlug: string;

  @Field(() => Int, { description: 'The version you read (must be the current one).' })
  version: number;

  @Field({ description: 'Your full name, as signature.' })
  @MaxLength(200)
  signerName: string;

  @Field(() => String, { nullable: true, description: 'Your title.' })
  @IsOptional()
  @MaxLength(200)
  signerTitle?: string | null;
}

@InputType({ description: 'Record an NDA signed outside the platform.' })
export class RecordNdaOnFileInput {
  @Field({ description: 'The customer organization, by slug.' })
  @MaxLength(100)
  customerSlug: string;

  @Field({ description: 'Who signed it for the customer.' })
  @MaxLength(200)
  signerName: string;

  @Field(() => String, { nullable: true, description: 'Where the signed copy is, or any note.' })
  @IsOptional()
  @MaxLength(2000)
  note?: string | null;
}

@InputType({ description: "Ask a vendor for its restricted documents." })
export class RequestAccessInput {
  @Field({ description: "The vendor's trust center slug." })
  @MaxLength(100)
  trustCenterSlug: string;

  @Field(() => [ID], { nullable: true, description: 'The documents wanted; omit for every restricted document.' })
  @IsOptional()
  @ArrayMaxSize(100)
  documentIds?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Why (shown to the vendor).' })
  @IsOptional()
  @MaxLength(2000)
  reason?: string | null;
}

@InputType({ description: 'Approve or deny an access request.' })
export class DecideAccessRequestInput {
  @Field(() => ID, { description: 'The request.' })
  id: string;

  @Field({ description: 'true to approve, false to deny.' })
  approve: boolean;

  @Field(() => String, { nullable: true, description: 'Why (kept in the history).' })
  @IsOptional()
  @MaxLength(2000)
  reason?: string | null;

  @Field(() => Int, { nullable: true, description: 'Grant length in days (default: the policy\'s).' })
  @IsOptional()
  @Min(1)
  @Max(1095)
  grantDays?: number | null;
}

@InputType({ description: 'End an approved access at once.' })
export class RevokeAccessInput {
  @Field(() => ID, { description: 'The approved request.' })
  requestId: string;

  @Field(() => String, { nullable: true, description: 'Why (kept in the history).' })
  @IsOptional()
  @MaxLength(2000)
  reason?: string | null;
}

@ObjectType({ description: 'Downloads of one document.' })
export class DocumentDownloadCount {
  @Field(() => ID, { description: 'The document.' })
  documentId: string;

  @Field(() => String, { nullable: true, description: 'Its title.' })
  title: string | null;

  @Field(() => Int, { description: 'Downloads in the period.' })
  downloads: number;
}

@ObjectType({ description: 'Downloads by one customer organization.' })
export class CustomerDownloadCount {
  @Field(() => ID, { nullable: true, description: 'The customer organization (null: anonymous downloads of public documents).' })
  organizationId: string | null;

  @Field(() => String, { nullable: true, description: 'Its name.' })
  organizationName: string | null;

  @Field(() => Int, { description: 'Downloads in the period.' })
  downloads: number;
}

@ObjectType({ description: 'Downloads on one day (UTC).' })
export class DailyDownloadCount {
  @Field(() => DateScalar, { description: 'The day.' })
  date: CalendarDate;

  @Field(() => Int, { description: 'Downloads that day.' })
  downloads: number;
}

@ObjectType({ description: 'Hosted trust-center page views and badge loads on one day (counts only: nothing about anonymous visitors is kept).' })
export class DailyPageViews {
  @Field(() => DateScalar, { description: 'The day (UTC).' })
  date: CalendarDate;

  @Field(() => Int, { description: 'Views of the hosted page (/trust/<slug>) that day.' })
  pageViews: number;

  @Field(() => Int, { description: 'Freshness badge loads (/trust/<slug>/badge.svg or .json) that day.' })
  badgeLoads: number;
}

@ObjectType({ description: "A vendor's trust center analytics over a period." })
export class TrustCenterAnalytics {
  @Field(() => DateScalar, { description: 'First day counted (UTC).' })
  from: CalendarDate;

  @Field(() => DateScalar, { description: 'Last day counted (UTC).' })
  to: CalendarDate;

  @Field(() => Int, { description: 'All downloads in the period.' })
  totalDownloads: number;

  @Field(() => [DocumentDownloadCount], { description: 'Downloads per document, most first.' })
  byDocument: DocumentDownloadCount[];

  @Field(() => [CustomerDownloadCount], { description: 'Downloads per customer organization, most first.' })
  byCustomer: CustomerDownloadCount[];

  @Field(() => [DailyDownloadCount], { description: 'Downloads per day (days without downloads omitted).' })
  byDay: DailyDownloadCount[];

  @Field(() => Int, { description: 'Views of the hosted page in the period.' })
  totalPageViews: number;

  @Field(() => Int, { description: 'Badge loads in the period.' })
  totalBadgeLoads: number;

  @Field(() => [DailyPageViews], { description: 'Hosted page views and badge loads per day (days with neither omitted). Counted in memory and written every few seconds, so the last seconds may not show yet.' })
  pageViewsByDay: DailyPageViews[];

  @Field(() => Int, { description: 'Requests waiting for a decision now.' })
  pendingRequests: number;

  @Field(() => Int, { description: 'Requests decided by a person in the period.' })
  decidedRequests: number;

  @Field(() => Float, { nullable: true, description: 'Median hours from request to a person\'s decision, in the period.' })
  medianHoursToDecision: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean hours from request to a person\'s decision, in the period.' })
  meanHoursToDecision: number | null;
}
