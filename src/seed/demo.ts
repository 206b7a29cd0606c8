import type { Database } from '../db/database';
import type { CalendarDate } from '../domain/calendar-date';
import { addDays, addMonths, todayUtc } from '../domain/calendar-date';
import { AttestationService } from '../modules/attestations/attestation.service';
import { devSubjectFor } from '../modules/auth/jwt';
import { TenantScope } from '../modules/auth/tenant-scope';
import type { Principal } from '../modules/auth/principal';
import { TenancyService } from '../modules/tenancy/tenancy.service';
import { tenancyRepository } from '../modules/tenancy/tenancy.repository';
import { TrustCenterService } from '../modules/trust-center/trust-center.service';
import type { Logger } from '../logger';

export const DEMO_USERS = { vendorAdmin: 'admin@acme.test', buyer: 'buyer@globex.test' } as const;

async function principalFor(db: Database, email: string): Promise<Principal> {
  const subject = devSubjectFor(email);
  const user = await db.transaction({ subject }, (m) => tenancyRepository.upsertUser(m, subject, email));
  return { user: { id: user.id, subject, email }, memberships: [], active: null, requestedOrg: null };
}

function endOfMonth(d: CalendarDate): CalendarDate {
  return addDays(addMonths(`${d.slice(0, 7)}-01` as CalendarDate, 1), -1);
}

function check<T extends { errors: { code: string; message: string }[] }>(what: string, r: T): T {
  if (r.errors.length > 0) throw new Error(`demo seed: ${what} refused: ${r.errors.map((e) => `${e.code} ${e.message}`).join('; ')}`);
  return r;
}

/**
 * The demo, written through the same services the API uses (so it obeys every rule and RLS). Idempotent: when `acme`
 * exists, nothing is done. Dates are relative to today so the demo is always fresh.
 */
export async function seedDemo(db: Database, logger: Logger, now: Date = new Date()): Promise<boolean> {
  const today = todayUtc(now);
  const admin = await principalFor(db, DEMO_USERS.vendorAdmin);
  const tenancy = new TenancyService(db);
  const acme = await tenancy.createOrganization(admin, { slug: 'acme', name: 'Acme Cloud', emailDomains: ['acme.test'] });
  if (!acme.organization) {
    if (acme.errors.some((e) => e.code === 'SLUG_TAKEN')) return false;
    check('acme', acme);
  }
  const scope = TenantScope.forMember(acme.organization!.id, admin.user!.id, 'OWNER');
  const trustCenters = new TrustCenterService(db);
  check('trust center', await trustCenters.update(scope, {
    headline: 'Security at Acme Cloud',
    description: 'Acme Cloud runs on a hardened, continuously monitored platform. Our SOC 2 Type II reports and ISO 27001 certificate are below.',
    contactEmail: 'security@acme.test',
    websiteUrl: 'https://acme.test',
  }));
  check('publish trust center', await trustCenters.setPublished(scope, true));

  const attestations = new AttestationService(db);
  // The current report's period ended at the end of the month four months ago; the older one is the year before.
  const periodEnd = endOfMonth(addMonths(today, -4));
  const periodStart = addDays(addMonths(periodEnd, -12), 1);
  const olderEnd = addDays(periodStart, -1);
  const olderStart = addDays(addMonths(olderEnd, -12), 1);
  const soc2 = {
    socType: 'TYPE_II' as const,
    auditor: 'Prescient & Co. CPAs',
    opinion: 'UNQUALIFIED' as const,
    trustServiceCriteria: ['SECURITY', 'AVAILABILITY', 'CONFIDENTIALITY'] as ('SECURITY' | 'AVAILABILITY' | 'CONFIDENTIALITY')[],
    scope: 'Acme Cloud platform: API, web console and data pipeline',
    subserviceOrganizations: [{ name: 'Amazon Web Services', method: 'CARVE_OUT' as const, services: 'Infrastructure hosting' }],
    complementaryUserEntityControls: [{ ref: 'CUEC-1', description: 'Customers review user access to their Acme Cloud accounts quarterly.' }],
  };
  const older = check('older SOC 2', await attestations.create(scope, 'SOC2', {
    ...soc2, title: `SOC 2 Type II ${olderEnd.slice(0, 4)}`, periodStart: olderStart, periodEnd: olderEnd, issueDate: addDays(olderEnd, 45),
  }));
  check('publish older SOC 2', await attestations.publish(scope, older.attestation!.id, today));
  const current = check('current SOC 2', await attestations.create(scope, 'SOC2', {
    ...soc2,
    title: `SOC 2 Type II ${periodEnd.slice(0, 4)}`,
    periodStart,
    periodEnd,
    issueDate: addDays(periodEnd, 40),
    exceptions: [{ controlRef: 'CC6.2', description: 'One of 25 sampled terminations was deprovisioned after 3 business days instead of 1.', managementResponse: 'Automated deprovisioning was rolled out in the following quarter.' }],
  }));
  check('publish current SOC 2', await attestations.publish(scope, current.attestation!.id, today));
  const letterEnd = addMonths(periodEnd, 3);
  check('bridge letter', await attestations.addBridgeLetter(scope, {
    attestationId: current.attestation!.id,
    coversFrom: addDays(periodEnd, 1),
    coversThrough: letterEnd,
    issuedOn: addDays(periodEnd, 45),
    signedByName: 'Dana Reyes',
    signedByTitle: 'Chief Information Security Officer',
  }, today));
  const isoFrom = addDays(today, -200);
  const iso = check('ISO 27001', await attestations.create(scope, 'ISO27001', {
    title: 'ISO/IEC 27001:2022 certificate',
    auditor: 'Certification Body Ltd.',
    issueDate: isoFrom,
    certificateNumber: 'IS 123456',
    certificateValidFrom: isoFrom,
    certificateValidUntil: addDays(addMonths(isoFrom, 36), -1),
    scope: 'Information security management system for the Acme Cloud platform',
  }));
  check('publish ISO 27001', await attestations.publish(scope, iso.attestation!.id, today));

  const buyer = await principalFor(db, DEMO_USERS.buyer);
  check('globex', await tenancy.createOrganization(buyer, { slug: 'globex', name: 'Globex Corporation', emailDomains: ['globex.test'] }));
  logger.info('demo seeded', { vendor: 'acme', customer: 'globex' });
  return true;
}
