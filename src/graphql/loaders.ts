import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import type { Framework } from '../domain/attestation';
import type { AttestationEntity } from '../modules/attestations/attestation.entity';
import { attestations } from '../modules/attestations/attestation.service';
import type { BridgeLetterEntity } from '../modules/attestations/bridge-letter.entity';
import { loadFindings, type ResponsesByException } from '../modules/attestations/findings.service';
import { type Principal } from '../modules/auth/principal';
import { authorize } from '../modules/auth/authorize';
import type { TenantScope } from '../modules/auth/tenant-scope';
import type { AccessRequestEventEntity, NdaAcceptanceEntity } from '../modules/access/access.entity';
import { accessRecords } from '../modules/access/access.service';
import type { DocumentEntity, DocumentVersionEntity } from '../modules/documents/document.entity';
import { documents } from '../modules/documents/document.service';
import type { OrganizationEntity } from '../modules/tenancy/organization.entity';
import { organizations } from '../modules/tenancy/tenancy.service';
import type { TrustCenterEntity } from '../modules/trust-center/trust-center.entity';
import type { VendorStatusHistoryEntity } from '../modules/tracking/tracking.entity';
import { statusHistory } from '../modules/tracking/tracking.service';
import type { VendorReviewEntity } from '../modules/tracking/review.entity';
import { reviews } from '../modules/tracking/review.service';
import { trustCenters } from '../modules/trust-center/trust-center.service';

/**
 * Reads done ahead of the resolvers that would ask for them (the public page's one-statement prefetch, issue 16 item
 * 1), by key. A resolver computes its key from exactly what it would read (tenant, filter, page) and uses the stored
 * value only on an exact match; anything else reads as before. Per request, like the loaders.
 */
export class Prefetched {
  private readonly values = new Map<string, unknown>();

  static key(...parts: unknown[]): string {
    return JSON.stringify(parts);
  }

  set(key: string, value: unknown): void {
    this.values.set(key, value);
  }

  /** What was read ahead under `key` (which may be null), else what `read` reads now. */
  async or<T>(key: string, read: () => Promise<T>): Promise<T> {
    return this.values.has(key) ? (this.values.get(key) as T) : read();
  }
}

/** A loader key inside one tenant: `${orgId}|${id}`. Parents were authorized before their keys reach a loader. */
export const orgKey = (orgId: string, id: string): string => `${orgId}|${id}`;

/** Batches keys per tenant: `load` runs once per distinct org of a batch, with that org's distinct ids. */
function perOrgBatch<V>(load: (orgId: string, ids: string[]) => Promise<Map<string, V>>, missing: V): DataLoader<string, V> {
  return new DataLoader<string, V>(async (keys) => {
    const byOrg = new Map<string, Set<string>>();
    for (const key of keys) {
      const [orgId, id] = key.split('|') as [string, string];
      byOrg.set(orgId, (byOrg.get(orgId) ?? new Set()).add(id));
    }
    const results = new Map<string, V>();
    await Promise.all(
      [...byOrg].map(async ([orgId, ids]) => {
        for (const [id, value] of await load(orgId, [...ids])) results.set(orgKey(orgId, id), value);
      }),
    );
    return keys.map((key) => results.get(key) ?? missing);
  });
}

/**
 * Batches keys per tenant: RLS admits one org per transaction, so a batch runs one transaction per distinct org
 * (one for a trust center page, whatever the number of attestations on it).
 */
function perOrgLoader<V>(
  db: Database,
  principal: Principal,
  fetch: (m: EntityManager, scope: TenantScope, ids: string[]) => Promise<Map<string, V>>,
  missing: V,
): DataLoader<string, V> {
  return perOrgBatch((orgId, ids) => {
    const scope = authorize(principal, 'visit', { orgId });
    return db.transaction(scope.identity(), (m) => fetch(m, scope, ids));
  }, missing);
}

export function createLoaders(db: Database, principal: Principal, now: () => Date = () => new Date()) {
  return {
    /** What the public page's prefetch read for its field resolvers. */
    prefetched: new Prefetched(),
    /**
     * A report's findings as the caller may read them (key: org | attestation id): the vendor's responses by exception
     * id, or null when the findings are hidden from this caller (findings.service.ts, loadFindings).
     */
    findings: perOrgBatch<ResponsesByException | null>((orgId, ids) => loadFindings(db, principal, orgId, ids, now()), null),
    organization: perOrgLoader<OrganizationEntity | null>(
      db,
      principal,
      async (m, scope) => new Map((await organizations.byIds(m, [scope.orgId])).map((o) => [o.id, o])),
      null,
    ),
    trustCenter: perOrgLoader<TrustCenterEntity | null>(
      db,
      principal,
      async (m, scope) => {
        const trustCenter = await trustCenters.find(m, scope);
        return new Map(trustCenter ? [[trustCenter.orgId, trustCenter]] : []);
      },
      null,
    ),
    attestation: perOrgLoader<AttestationEntity | null>(
      db,
      principal,
      async (m, scope, ids) => new Map((await attestations.byIds(m, scope, ids)).map((a) => [a.id, a])),
      null,
    ),
    bridgeLetters: perOrgLoader<BridgeLetterEntity[]>(
      db,
      principal,
      async (m, scope, ids) => {
        const map = new Map<string, BridgeLetterEntity[]>(ids.map((id) => [id, []]));
        for (const letter of await attestations.bridgeLettersFor(m, scope, ids)) map.get(letter.attestationId)!.push(letter);
        return map;
      },
      [],
    ),
    documentVersion: perOrgLoader<DocumentVersionEntity | null>(
      db,
      principal,
      async (m, scope, ids) => new Map((await documents.versionsByIds(m, scope, ids)).map((v) => [v.id, v])),
      null,
    ),
    document: perOrgLoader<DocumentEntity | null>(
      db,
      principal,
      async (m, scope, ids) => new Map((await documents.byIds(m, scope, ids)).map((d) => [d.id, d])),
      null,
    ),
    accessRequestEvents: perOrgLoader<AccessRequestEventEntity[]>(
      db,
      principal,
      async (m, scope, ids) => {
        const map = new Map<string, AccessRequestEventEntity[]>(ids.map((id) => [id, []]));
        for (const e of await accessRecords.eventsFor(m, scope, ids)) map.get(e.requestId)!.push(e);
        return map;
      },
      [],
    ),
    /** NDA acceptances a vendor holds per customer organization (key id = customer org id). */
    ndaAcceptances: perOrgLoader<NdaAcceptanceEntity[]>(
      db,
      principal,
      async (m, scope, customerIds) => {
        const map = new Map<string, NdaAcceptanceEntity[]>(customerIds.map((id) => [id, []]));
        for (const a of await accessRecords.acceptancesForOrgs(m, scope, customerIds)) map.get(a.customerOrgId)!.push(a);
        return map;
      },
      [],
    ),
    /** Recorded status changes per watched vendor (key: customer org | watch id), newest first. */
    statusHistory: perOrgLoader<VendorStatusHistoryEntity[]>(
      db,
      principal,
      async (m, scope, watchIds) => {
        const map = new Map<string, VendorStatusHistoryEntity[]>(watchIds.map((id) => [id, []]));
        for (const h of await statusHistory.of(m, scope, watchIds)) map.get(h.watchId)!.push(h);
        return map;
      },
      [],
    ),
    /** Reviews per watched vendor (key: customer org | watch id), newest first. */
    vendorReviews: perOrgLoader<VendorReviewEntity[]>(
      db,
      principal,
      async (m, scope, watchIds) => {
        const map = new Map<string, VendorReviewEntity[]>(watchIds.map((id) => [id, []]));
        for (const r of await reviews.ofWatches(m, scope, watchIds)) map.get(r.watchId)!.push(r);
        return map;
      },
      [],
    ),
    /** Type II periods per framework (key id = framework), for gaps between consecutive periods. */
    typeIIPeriods: perOrgLoader<AttestationEntity[]>(
      db,
      principal,
      async (m, scope, frameworks) => {
        const map = new Map<string, AttestationEntity[]>(frameworks.map((f) => [f, []]));
        for (const a of await attestations.typeIIPeriods(m, scope, frameworks as Framework[])) map.get(a.framework)!.push(a);
        return map;
      },
      [],
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
