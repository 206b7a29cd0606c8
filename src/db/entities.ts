import { AccessGrantEntity, AccessRequestEntity, AccessRequestEventEntity, DownloadEventEntity, NdaAcceptanceEntity, NdaTemplateEntity } from '../modules/access/access.entity';
import { ApiKeyEntity } from '../modules/api-keys/api-key.entity';
import { AuditEventEntity } from '../modules/audit/audit-event.entity';
import { DocumentEntity, DocumentVersionEntity } from '../modules/documents/document.entity';
import { AttestationEntity } from '../modules/attestations/attestation.entity';
import { BridgeLetterEntity } from '../modules/attestations/bridge-letter.entity';
import { ExceptionResponseEntity } from '../modules/attestations/exception-response.entity';
import { MailDigestItemEntity, MailPreferenceEntity } from '../modules/mail/alerts.entity';
import { AttestationInProgressEntity } from '../modules/in-progress/in-progress.entity';
import { MailOutboxEntity } from '../modules/mail/mail.entity';
import { MembershipEntity } from '../modules/tenancy/membership.entity';
import { OrganizationEntity } from '../modules/tenancy/organization.entity';
import { UserEntity } from '../modules/tenancy/user.entity';
import { RequirementPolicyEntity, TrackedAttestationEntity, VendorStatusHistoryEntity, VendorWatchEntity } from '../modules/tracking/tracking.entity';
import { VendorReviewEntity } from '../modules/tracking/review.entity';
import { FreshnessTransitionEntity, NotificationEntity, SubprocessorEntity, VendorSubscriptionEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from '../modules/notifications/notifications.entity';
import { TrustCenterEntity } from '../modules/trust-center/trust-center.entity';

/** Every entity, listed explicitly (no globs: the same list works from ts under jest and from dist). */
export const ENTITIES = [
  OrganizationEntity,
  UserEntity,
  MembershipEntity,
  TrustCenterEntity,
  AttestationEntity,
  BridgeLetterEntity,
  AttestationInProgressEntity,
  ExceptionResponseEntity,
  DocumentEntity,
  DocumentVersionEntity,
  NdaTemplateEntity,
  NdaAcceptanceEntity,
  AccessRequestEntity,
  AccessRequestEventEntity,
  AccessGrantEntity,
  DownloadEventEntity,
  AuditEventEntity,
  VendorWatchEntity,
  TrackedAttestationEntity,
  RequirementPolicyEntity,
  VendorStatusHistoryEntity,
  VendorReviewEntity,
  VendorSubscriptionEntity,
  NotificationEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  SubprocessorEntity,
  FreshnessTransitionEntity,
  ApiKeyEntity,
  MailOutboxEntity,
  MailPreferenceEntity,
  MailDigestItemEntity,
];
