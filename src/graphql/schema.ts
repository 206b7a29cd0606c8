import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AccessMutationsResolver, AccessRequestResolver, OrganizationAccessResolver, TrustCenterAccessResolver } from '../modules/access/access.resolver';
import { ApiKeyMutationResolver, OrganizationApiKeysResolver } from '../modules/api-keys/api-key.resolver';
import { AttestationResolver } from '../modules/attestations/attestation.resolver';
import { AuditQueryResolver, OrganizationAuditResolver } from '../modules/audit/audit.resolver';
import { DocumentResolver } from '../modules/documents/document.resolver';
import { NotificationsMutationResolver, OrganizationNotificationsResolver, TrustCenterSubprocessorsResolver, WebhookEndpointResolver } from '../modules/notifications/notifications.resolver';
import { OrganizationTrackingResolver, TrackingResolver, VendorStatusEntryResolver } from '../modules/tracking/tracking.resolver';
import { VendorReviewResolver } from '../modules/tracking/review.resolver';
import { AttestationInProgressResolver, TrustCenterInProgressResolver } from '../modules/in-progress/in-progress.resolver';
import { MembersMutationResolver, OrganizationMembersResolver } from '../modules/members/members.resolver';
import { OrganizationMailResolver } from '../modules/mail/mail.resolver';
import { MailPreferencesResolver } from '../modules/mail/preferences.resolver';
import { MembershipResolver, OrganizationResolver, ViewerResolver } from '../modules/tenancy/tenancy.resolver';
import { TrustCenterResolver } from '../modules/trust-center/trust-center.resolver';
import { authChecker } from './auth-checker';

export const RESOLVERS = [
  ViewerResolver,
  MembershipResolver,
  OrganizationResolver,
  TrustCenterResolver,
  AttestationResolver,
  TrustCenterInProgressResolver,
  AttestationInProgressResolver,
  DocumentResolver,
  AccessMutationsResolver,
  AccessRequestResolver,
  TrustCenterAccessResolver,
  OrganizationAccessResolver,
  AuditQueryResolver,
  OrganizationAuditResolver,
  TrackingResolver,
  OrganizationTrackingResolver,
  VendorStatusEntryResolver,
  VendorReviewResolver,
  NotificationsMutationResolver,
  WebhookEndpointResolver,
  OrganizationNotificationsResolver,
  TrustCenterSubprocessorsResolver,
  ApiKeyMutationResolver,
  OrganizationApiKeysResolver,
  MembersMutationResolver,
  OrganizationMembersResolver,
  OrganizationMailResolver,
  MailPreferencesResolver,
] as const;

let cached: Promise<GraphQLSchema> | undefined;

/** Builds the schema once per process (type-graphql metadata is global; rebuilding is wasted work). */
export function buildAppSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers: RESOLVERS,
    authChecker,
    authMode: 'error',
    validate: { forbidUnknownValues: false },
    emitSchemaFile: false,
  }).then((schema) => {
    // type-graphql has no option for the root types' descriptions.
    Object.assign(schema.getQueryType()!, { description: 'Reads. Public trust centers need no token; everything else acts for the caller.' });
    Object.assign(schema.getMutationType()!, { description: 'Writes. Each runs in one transaction; expected refusals come back as typed `errors` in the payload.' });
    return schema;
  });
  return cached;
}
