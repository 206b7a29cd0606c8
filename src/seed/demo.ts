import type { Database } from '../db/database';
import { DbScope } from '../db/db-scope';
import type { CalendarDate } from '../domain/calendar-date';
import { addDays, addMonths, todayUtc } from '../domain/calendar-date';
import { AttestationService } from '../modules/attestations/attestation.service';
import { FindingsService } from '../modules/attestations/findings.service';
import { reportExceptions } from '../domain/findings';
import { devSubjectFor } from '../modules/auth/jwt';
import { TenantScope } from '../modules/auth/tenant-scope';
import type { Principal } from '../modules/auth/principal';
import type { Actor } from '../modules/common/errors';
import { TenancyService, users } from '../modules/tenancy/tenancy.service';
import { TrustCenterService } from '../modules/trust-center/trust-center.service';
import { createHash } from 'node:crypto';
import type { Logger } from '../logger';
import type { DocumentKind, Visibility } from '../domain/document';
import { AccessService } from '../modules/access/access.service';
import { DocumentService } from '../modules/documents/document.service';
import { demoPdf } from './demo-pdf';
import type { Storage } from '../modules/storage/storage';

const NDA_TEXT = `MUTUAL NON-DISCLOSURE AGREEMENT (demo)

1. Confidential Information. Acme Cloud ("Discloser") will share security reports, audit reports, penetration test
summaries and related documents ("Confidential Information") with the accepting organization ("Recipient").
2. Use. Recipient uses Confidential Information only to evaluate Acme Cloud's security as a current or prospective
customer, and shares it only with its employees and advisers who need it for that purpose and are bound by similar terms.
3. Restricted-use reports. SOC 1 and SOC 2 reports are restricted-use reports of the service auditor; Recipient does
not distribute them further.
4. Term. These obligations last three years from acceptance.`;

const PDF_TEXT = {
  soc2: [
    'Independent Service Auditor\'s Report on Controls Relevant to Security, Availability and Confidentiality.',
    'Opinion: in our opinion, in all material respects, the controls stated in the description were suitably designed and operated effectively throughout the period to meet the applicable trust services criteria.',
    'Exception noted: CC6.2 - one of 25 sampled terminations was deprovisioned after 3 business days instead of 1.',
    'Complementary user entity controls: customers review user access to their Acme Cloud accounts quarterly.',
  ],
  policy: ['Acme Cloud Information Security Policy.', 'Scope: all Acme Cloud systems, employees and contractors.', 'Access control, encryption in transit and at rest, vulnerability management, incident response, vendor management.'],
  pentest: ['Penetration Test Executive Summary.', 'Scope: public API, web console, authentication service.', 'Findings: 0 critical, 1 high (remediated and retested), 3 medium, 5 low.'],
  iso: ['Certificate of registration: ISO/IEC 27001:2022.', 'Certificate number IS 123456.', 'Scope: information security management system for the Acme Cloud platform.'],
};

/** Real files through the real path: create, presigned PUT, verification, publication. */
async function seedDocuments(
  db: Database,
  storage: Storage,
  scope: TenantScope,
  actor: Actor,
  links: { currentSoc2: { id: string; title: string }; olderSoc2: { id: string; title: string }; iso: { id: string } },
): Promise<void> {
  const documents = new DocumentService(db, storage, 10 * 1024 * 1024);
  const files: { title: string; kind: DocumentKind; visibility: Visibility; attestationId?: string; fileName: string; text: string[] }[] = [
    { title: links.currentSoc2.title, kind: 'SOC_REPORT', visibility: 'RESTRICTED', attestationId: links.currentSoc2.id, fileName: 'acme-soc2-type2-current.pdf', text: PDF_TEXT.soc2 },
    { title: links.olderSoc2.title, kind: 'SOC_REPORT', visibility: 'RESTRICTED', attestationId: links.olderSoc2.id, fileName: 'acme-soc2-type2-previous.pdf', text: PDF_TEXT.soc2 },
    { title: 'ISO/IEC 27001 certificate', kind: 'CERTIFICATE', visibility: 'PUBLIC', attestationId: links.iso.id, fileName: 'acme-iso27001-certificate.pdf', text: PDF_TEXT.iso },
    { title: 'Information Security Policy', kind: 'POLICY', visibility: 'PUBLIC', fileName: 'acme-security-policy.pdf', text: PDF_TEXT.policy },
    { title: 'Penetration test summary', kind: 'PEN_TEST', visibility: 'RESTRICTED', fileName: 'acme-pentest-summary.pdf', text: PDF_TEXT.pentest },
  ];
  for (const f of files) {
    const created = check(f.title, await documents.create(scope, actor, { title: f.title, kind: f.kind, visibility: f.visibility, attestationId: f.attestationId ?? null }));
    const bytes = Buffer.from(await demoPdf(f.title, f.text));
    const upload = check(`upload ${f.title}`, await documents.createUpload(scope, actor, created.document!.id, {
      fileName: f.fileName, contentType: 'application/pdf', sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'),
    }));
    const res = await fetch(upload.upload!.url, { method: 'PUT', headers: upload.upload!.headers, body: bytes });
    if (!res.ok) throw new Error(`demo seed: upload of ${f.fileName} failed with HTTP ${res.status}`);
    check(`complete ${f.title}`, await documents.completeUpload(scope, actor, upload.version!.id));
  }
  const access = new AccessService(db);
  const nda = check('NDA', await access.createNdaTemplate(scope, actor, { title: 'Acme Cloud mutual NDA', body: NDA_TEXT }));
  check('publish NDA', await access.publishNdaTemplate(scope, actor, nda.template!.id));
}

export const DEMO_USERS = { vendorAdmin: 'admin@acme.test', buyer: 'buyer@globex.test' } as const;

async function principalFor(db: Database, email: string): Promise<Principal> {
  const subject = devSubjectFor(email);
  const user = await db.transaction(DbScope.tokenSubject(subject), (m) => users.upsert(m, subject, email));
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
export async function seedDemo(db: Database, logger: Logger, storage: Storage | null = null, now: Date = new Date()): Promise<boolean> {
  const today = todayUtc(now);
  const admin = await principalFor(db, DEMO_USERS.vendorAdmin);
  const tenancy = new TenancyService(db);
  // Who the audit log names for the seed's changes (no request: no address).
  const seeder = (p: Principal): Actor => ({ userId: p.user!.id, email: p.user!.email, orgId: p.active?.orgId ?? null, ip: null, userAgent: 'demo-seed' });
  const acme = await tenancy.createOrganization(admin, seeder(admin), { slug: 'acme', name: 'Acme Cloud', emailDomains: ['acme.test'] });
  if (!acme.organization) {
    if (acme.errors.some((e) => e.code === 'SLUG_TAKEN')) return false;
    check('acme', acme);
  }
  const scope = TenantScope.forMember(acme.organization!.id, admin.user!.id, 'OWNER');
  const actor = { ...seeder(admin), orgId: scope.orgId };
  const trustCenters = new TrustCenterService(db);
  check('trust center', await trustCenters.update(scope, actor, {
    headline: 'Security at Acme Cloud',
    description: 'Acme Cloud runs on a hardened, continuously monitored platform. Our SOC 2 Type II reports and ISO 27001 certificate are below.',
    contactEmail: 'security@acme.test',
    websiteUrl: 'https://acme.test',
  }));
  check('publish trust center', await trustCenters.setPublished(scope, actor, true));

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
  const older = check('older SOC 2', await attestations.create(scope, actor, 'SOC2', {
    ...soc2, title: `SOC 2 Type II ${olderEnd.slice(0, 4)}`, periodStart: olderStart, periodEnd: olderEnd, issueDate: addDays(olderEnd, 45),
  }));
  check('publish older SOC 2', await attestations.publish(scope, actor, older.attestation!.id, today));
  const current = check('current SOC 2', await attestations.create(scope, actor, 'SOC2', {
    ...soc2,
    title: `SOC 2 Type II ${periodEnd.slice(0, 4)}`,
    periodStart,
    periodEnd,
    issueDate: addDays(periodEnd, 40),
    exceptions: [{
      controlRef: 'CC6.2',
      description: 'One of 25 sampled terminations was deprovisioned after 3 business days instead of 1.',
      testResult: 'Inspected a sample of 25 terminations: 1 user\'s access was removed 3 business days after the termination date.',
      managementResponse: 'Automated deprovisioning was rolled out in the following quarter.',
    }],
  }));
  check('publish current SOC 2', await attestations.publish(scope, actor, current.attestation!.id, today));
  // The vendor's current response to that exception: what a granted, NDA-signed buyer reads (Attestation.exceptions).
  check('exception response', await new FindingsService(db).setResponse(scope, actor, {
    attestationId: current.attestation!.id,
    exceptionId: reportExceptions(current.attestation!.exceptions)[0]!.id,
    managementResponse: 'Offboarding was a manual ticket; HR terminations now revoke access automatically through SCIM.',
    remediationPlan: 'SCIM deprovisioning from the HR system, with a daily reconciliation report reviewed by IT.',
    targetDate: addDays(periodEnd, 60),
    status: 'REMEDIATED',
  }, today));
  const letterEnd = addMonths(periodEnd, 3);
  check('bridge letter', await attestations.addBridgeLetter(scope, actor, {
    attestationId: current.attestation!.id,
    coversFrom: addDays(periodEnd, 1),
    coversThrough: letterEnd,
    issuedOn: addDays(periodEnd, 45),
    signedByName: 'Dana Reyes',
    signedByTitle: 'Chief Information Security Officer',
  }, today));
  const isoFrom = addDays(today, -200);
  const iso = check('ISO 27001', await attestations.create(scope, actor, 'ISO27001', {
    title: 'ISO/IEC 27001:2022 certificate',
    auditor: 'Certification Body Ltd.',
    issueDate: isoFrom,
    certificateNumber: 'IS 123456',
    certificateValidFrom: isoFrom,
    certificateValidUntil: addDays(addMonths(isoFrom, 36), -1),
    scope: 'Information security management system for the Acme Cloud platform',
  }));
  check('publish ISO 27001', await attestations.publish(scope, actor, iso.attestation!.id, today));

  if (storage) {
    await seedDocuments(db, storage, scope, actor, {
      currentSoc2: { id: current.attestation!.id, title: `SOC 2 Type II report ${periodStart} to ${periodEnd}` },
      olderSoc2: { id: older.attestation!.id, title: `SOC 2 Type II report ${olderStart} to ${olderEnd}` },
      iso: { id: iso.attestation!.id },
    });
  }

  const buyer = await principalFor(db, DEMO_USERS.buyer);
  check('globex', await tenancy.createOrganization(buyer, seeder(buyer), { slug: 'globex', name: 'Globex Corporation', emailDomains: ['globex.test'] }));
  logger.info('demo seeded', { vendor: 'acme', customer: 'globex' });
  return true;
}
