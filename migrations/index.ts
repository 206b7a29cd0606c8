import type { MigrationInterface } from 'typeorm';
import { Tenancy1795700000000 } from './1795700000000-tenancy';
import { Attestations1795700000001 } from './1795700000001-attestations';
import { Documents1795704700000 } from './1795704700000-documents';
import { Access1795704700001 } from './1795704700001-access';
import { Audit1795704700002 } from './1795704700002-audit';
import { Tracking1795706600000 } from './1795706600000-tracking';
import { Notifications1795707100000 } from './1795707100000-notifications';
import { ApiKeys1795707700000 } from './1795707700000-api-keys';
import { RateLimits1795707800000 } from './1795707800000-rate-limits';
import { PublicCache1795708000000 } from './1795708000000-public-cache';
import { Idempotency1795708000001 } from './1795708000001-idempotency';
import { VisitorWall1795708000002 } from './1795708000002-visitor-wall';
import { UncoveredDays1795708000003 } from './1795708000003-uncovered-days';
import { VisitorWrites1795708000004 } from './1795708000004-visitor-writes';
import { WebUrls1795709000000 } from './1795709000000-web-urls';
import { Invitations1795710000000 } from './1795710000000-invitations';
import { DropRateLimits1795711300000 } from './1795711300000-drop-rate-limits';
import { MailOutbox1795711000000 } from './1795711000000-mail-outbox';
import { MailAlerts1795711600000 } from './1795711600000-mail-alerts';
import { PageViews1795712500000 } from './1795712500000-page-views';
import { GuestVerifications1795712600000 } from './1795712600000-guest-verifications';
import { AttestationsInProgress1795712700000 } from './1795712700000-attestations-in-progress';
import { ExceptionResponses1795713000000 } from './1795713000000-exception-responses';
import { VendorReviews1795713100000 } from './1795713100000-vendor-reviews';
import { TypeIIInProgressPolicy1795713100001 } from './1795713100001-type-ii-in-progress-policy';
import { VendorStatusIndex1795713200000 } from './1795713200000-vendor-status-index';
import { LookupByIdIndexes1795713300000 } from './1795713300000-lookup-by-id-indexes';

/** Every migration in order. A generated migration is added here by hand (a test checks none is missing). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  Tenancy1795700000000,
  Attestations1795700000001,
  Documents1795704700000,
  Access1795704700001,
  Audit1795704700002,
  Tracking1795706600000,
  Notifications1795707100000,
  ApiKeys1795707700000,
  RateLimits1795707800000,
  PublicCache1795708000000,
  Idempotency1795708000001,
  VisitorWall1795708000002,
  UncoveredDays1795708000003,
  VisitorWrites1795708000004,
  WebUrls1795709000000,
  Invitations1795710000000,
  MailOutbox1795711000000,
  DropRateLimits1795711300000,
  MailAlerts1795711600000,
  PageViews1795712500000,
  GuestVerifications1795712600000,
  AttestationsInProgress1795712700000,
  ExceptionResponses1795713000000,
  VendorReviews1795713100000,
  TypeIIInProgressPolicy1795713100001,
  VendorStatusIndex1795713200000,
  LookupByIdIndexes1795713300000,
];
