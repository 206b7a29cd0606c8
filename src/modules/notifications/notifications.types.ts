import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import type { WebhookErrorCode } from './notifications.service';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';
import type { SubprocessorErrorCode } from './subprocessors.service';

@ObjectType({ description: 'An event in the organization\'s feed (also what webhooks deliver).' })
export class Notification {
  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field(() => ID, { description: 'The event id (the same in the webhook payload `id`).' })
  eventId: string;

  @Field({ description: 'Event type: a followed vendor\'s event (attestation.published, attestation.stale, subprocessors.changed... as webhooks deliver them), or, for a customer organization, a vendor\'s decision about its access: access.approved, access.denied, access.revoked, access.expiring (7 days before a grant ends; feed only, not webhooks).' })
  type: string;

  @Field({ description: 'One line for humans.' })
  title: string;

  @Field(() => ID, { nullable: true, description: 'The vendor organization it is about.' })
  vendorOrganizationId: string | null;

  @Field(() => GraphQLJSONObject, { description: 'Event details.' })
  data: Record<string, unknown>;

  @Field(() => Date, { description: 'When.' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it was marked read (null: unread).' })
  readAt: Date | null;
}

@ObjectType('NotificationConnection', { description: 'A page of notifications, newest first.' })
export class NotificationConnection extends Connection(Notification, 'Notification') {}

@ObjectType({ description: 'One delivery of an event to an endpoint.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Identifier (the X-Trust-Portal-Delivery header).' })
  id: string;

  @Field({ description: 'Event type.' })
  eventType: string;

  @Field({ description: 'PENDING (retrying), SUCCEEDED or FAILED.' })
  status: string;

  @Field(() => Int, { description: 'Attempts made.' })
  attempts: number;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last attempt.' })
  lastStatusCode: number | null;

  @Field(() => String, { nullable: true, description: 'Error of the last attempt.' })
  lastError: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was last attempted.' })
  lastAttemptAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it succeeded.' })
  deliveredAt: Date | null;

  @Field(() => Date, { description: 'When it was queued.' })
  createdAt: Date;
}

@ObjectType({ description: 'Where the organization\'s events are POSTed, signed with HMAC-SHA256.' })
export class WebhookEndpoint {
  orgId: string;

  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field({ description: 'The URL.' })
  url: string;

  @Field(() => String, { nullable: true, description: 'Description.' })
  description: string | null;

  @Field(() => [String], { description: 'Event types delivered (empty: all).' })
  eventTypes: string[];

  @Field({ description: 'Whether deliveries are made.' })
  enabled: boolean;

  @Field(() => String, { nullable: true, description: 'Why it was disabled.' })
  disabledReason: string | null;

  @Field(() => Int, { description: 'Deliveries failed in a row (after all their retries).' })
  consecutiveFailures: number;

  @Field(() => Date, { description: 'When it was created.' })
  createdAt: Date;
}

@ObjectType({ description: "A vendor this organization follows." })
export class VendorSubscription {
  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field(() => ID, { description: 'The vendor organization.' })
  vendorOrganizationId: string;

  @Field(() => [String], { description: 'Event types followed (empty: all).' })
  eventTypes: string[];

  @Field(() => Date, { description: 'Since when.' })
  createdAt: Date;
}

@ObjectType({ description: "A vendor's subprocessor." })
export class Subprocessor {
  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field({ description: 'Name.' })
  name: string;

  @Field({ description: 'What it does for the vendor.' })
  purpose: string;

  @Field({ description: 'Where it processes data.' })
  location: string;

  @Field(() => [String], { description: 'Categories of data it processes.' })
  dataCategories: string[];

  @Field(() => String, { nullable: true, description: 'Website: an absolute http(s) URL, normalized (null when none is set).' })
  websiteUrl: string | null;

  @Field(() => Date, { description: 'Last change.' })
  updatedAt: Date;
}

export type { SubprocessorErrorCode };

export const SubprocessorErrorCodeEnum = ErrorCodes<SubprocessorErrorCode>('SubprocessorErrorCode', 'Why a subprocessor change was refused.', {
  INVALID_URL: 'createSubprocessor: websiteUrl is not an absolute http:// or https:// URL with a host, or it has a user name or password, spaces, control or invisible characters, a backslash, or more than 2048 characters.',
});

export const SubprocessorError = PayloadErrorType('SubprocessorError', SubprocessorErrorCodeEnum, { description: 'A refused subprocessor change.' });
export type SubprocessorError = InstanceType<typeof SubprocessorError>;

@ObjectType({ description: 'Result of createSubprocessor.' })
export class SubprocessorPayload {
  @Field(() => Subprocessor, { nullable: true, description: 'The subprocessor added (null when refused).' })
  subprocessor: Subprocessor | null;

  @Field(() => [SubprocessorError], { description: 'Why it was refused (empty on success).' })
  errors: SubprocessorError[];
}

export const WebhookErrorCodeEnum = ErrorCodes<WebhookErrorCode>('WebhookErrorCode', 'Why a webhook or subscription change was refused.', {
  INVALID_URL: 'createWebhookEndpoint: url is not a URL, is not https (http only where the server allows it, for development), or its host is local or resolves to a non-public address.',
  INVALID_EVENT_TYPE: 'createWebhookEndpoint or subscribeToVendor: eventTypes names an unknown event type (the message lists the known ones).',
});

export const WebhookError = PayloadErrorType('WebhookError', WebhookErrorCodeEnum, { description: 'A refused webhook or subscription change.', field: 'The input field at fault.' });
export type WebhookError = InstanceType<typeof WebhookError>;

@ObjectType({ description: 'Result of createWebhookEndpoint.' })
export class CreateWebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint.' })
  endpoint: WebhookEndpoint | null;

  @Field(() => String, { nullable: true, description: 'The signing secret: shown once, now. Verify `X-Trust-Portal-Signature` with it.' })
  secret: string | null;

  @Field(() => [WebhookError], { description: 'Why it was refused (empty on success).' })
  errors: WebhookError[];
}

@ObjectType({ description: 'Result of subscribeToVendor.' })
export class SubscriptionPayload {
  @Field(() => VendorSubscription, { nullable: true, description: 'The subscription.' })
  subscription: VendorSubscription | null;

  @Field(() => [WebhookError], { description: 'Why it was refused (empty on success).' })
  errors: WebhookError[];
}

@InputType({ description: 'A webhook endpoint.' })
export class CreateWebhookEndpointInput {
  @Field({ description: 'The https URL (http is accepted in development).' })
  @MaxLength(2000)
  url: string;

  @Field(() => [String], { nullable: true, description: 'Event types to deliver (omit or empty: all): the events of your own trust center and of the vendors you follow, listed in docs/webhooks.md.' })
  @IsOptional()
  @ArrayMaxSize(20)
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Description.' })
  @IsOptional()
  @MaxLength(500)
  description?: string | null;
}

@InputType({ description: 'Follow a vendor.' })
export class SubscribeToVendorInput {
  @Field({ description: "The vendor's trust center slug." })
  @MaxLength(100)
  trustCenterSlug: string;

  @Field(() => [String], { nullable: true, description: 'Event types to follow (omit or empty: all).' })
  @IsOptional()
  @ArrayMaxSize(20)
  eventTypes?: string[] | null;
}

@InputType({ description: 'A subprocessor.' })
export class SubprocessorInput {
  @Field({ description: 'Name.' })
  @MaxLength(200)
  name: string;

  @Field({ description: 'Purpose.' })
  @MaxLength(1000)
  purpose: string;

  @Field({ description: 'Location (country or region).' })
  @MaxLength(200)
  location: string;

  @Field(() => [String], { nullable: true, description: 'Data categories.' })
  @IsOptional()
  @ArrayMaxSize(50)
  dataCategories?: string[] | null;

  // No @MaxLength: the URL check owns the limit (2048), so an over-long one is INVALID_URL like any other bad URL.
  @Field(() => String, { nullable: true, description: 'Website: an absolute http:// or https:// URL with a host, at most 2048 characters; stored normalized. Null or "" for none.' })
  @IsOptional()
  websiteUrl?: string | null;
}
