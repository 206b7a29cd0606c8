import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
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

/** What `plainObjectTypes` reads of type-graphql's metadata (its MetadataStorage, before the schema is built). */
export interface TypeMetadata {
  objectTypes: { name: string; target: Function; interfaceClasses?: Function[]; simpleResolvers?: boolean }[];
  fields: { target: Function; name: string; schemaName: string; simple?: boolean }[];
  authorizedFields: { target: Function; fieldName: string }[];
  middlewares: { target: Function; fieldName: string }[];
}

/**
 * The object types whose fields can be read straight off the object. type-graphql gives every field a resolver that
 * runs the field's middlewares and auth check, then reads the property; with no middleware and no `@Authorized` on
 * the field it only reads the property, at the price of a resolver call (and, for the executor, a resolve-info object)
 * per field of every object returned. Marked `simpleResolvers`, a type leaves `resolve` unset and the executor reads
 * the property itself (executor.ts). A type keeps the wrappers if any of its fields (its own, a parent class's or an
 * interface's) has an auth rule or a middleware, or is exposed under a name other than its property's. Field
 * resolvers (`@FieldResolver`) are not affected: type-graphql builds them apart, with their checks.
 */
export function plainObjectTypes(meta: TypeMetadata): TypeMetadata['objectTypes'] {
  const guarded = new Set<Function>([...meta.authorizedFields.map((f) => f.target), ...meta.middlewares.map((m) => m.target)]);
  return meta.objectTypes.filter((type) => {
    if (type.simpleResolvers !== undefined) return false; // the type decided for itself
    const classes: Function[] = [...(type.interfaceClasses ?? [])];
    for (let c: Function | null = type.target; c && c !== Function.prototype; c = Object.getPrototypeOf(c) as Function | null) classes.push(c);
    if (classes.some((c) => guarded.has(c))) return false;
    return meta.fields.every((f) => !classes.includes(f.target) || f.schemaName === f.name);
  });
}

/** Builds the schema once per process (type-graphql metadata is global; rebuilding is wasted work). */
export function buildAppSchema(): Promise<GraphQLSchema> {
  if (!cached) for (const type of plainObjectTypes(getMetadataStorage() as unknown as TypeMetadata)) type.simpleResolvers = true;
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
