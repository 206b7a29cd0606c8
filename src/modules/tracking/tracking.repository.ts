import type { EntityManager } from 'typeorm';
import { entityFromJson, rowsPart, selectParts } from '../../db/json-parts';
import type { Framework, Opinion, SocType } from '../../domain/attestation';
import type { CalendarDate } from '../../domain/calendar-date';
import type { EvidenceFacts } from '../../domain/compliance';
import type { BridgeLetterFacts } from '../../domain/freshness';
import { attestationDates, bridgeLetterFacts } from '../attestations/attestation.facts';
import type { TenantScope } from '../auth/tenant-scope';
import { isUuid } from '../common/errors';
import type { VendorReviewEntity } from './review.entity';
import { reviewRepository } from './review.repository';
import { RequirementPolicyEntity, TrackedAttestationEntity, VendorStatusHistoryEntity, VendorWatchEntity } from './tracking.entity';

export interface PortfolioRows {
  watches: VendorWatchEntity[];
  policies: RequirementPolicyEntity[];
  /** Evidence per watch id (recorded for off-platform vendors, published for on-platform ones). */
  evidence: Map<string, EvidenceFacts[]>;
  /** On-platform vendors whose trust center is published (others are UNKNOWN: nothing visible). */
  visibleVendors: Map<string, { slug: string; name: string }>;
  /** On-platform vendors for which the customer holds a live grant. */
  grantedVendors: Set<string>;
  /** Per watch id: the latest review of each of its reports made by the evaluation date. */
  reviews: Map<string, VendorReviewEntity[]>;
}

interface EvidenceRow {
  id: string;
  org_id: string;
  framework: Framework;
  soc_type: SocType | null;
  period_start: string | null;
  period_end: string | null;
  as_of: string | null;
  issue_date: string;
  opinion: Opinion | null;
  exception_count: number;
  certificate_valid_from: string | null;
  certificate_valid_until: string | null;
}

const toFacts = (r: EvidenceRow, letters: BridgeLetterFacts[]): EvidenceFacts => ({
  id: r.id,
  framework: r.framework,
  socType: r.soc_type,
  opinion: r.opinion,
  exceptionCount: Number(r.exception_count),
  ...attestationDates({
    periodStart: r.period_start, periodEnd: r.period_end, asOf: r.as_of, issueDate: r.issue_date,
    certificateValidFrom: r.certificate_valid_from, certificateValidUntil: r.certificate_valid_until,
  }),
  bridgeLetters: letters,
});

export const trackingRepository = {
  async watchById(m: EntityManager, scope: TenantScope, id: string): Promise<VendorWatchEntity | null> {
    if (!isUuid(id)) return null;
    return m.getRepository(VendorWatchEntity).findOne({ where: { orgId: scope.orgId, id } });
  },

  async watchOfVendor(m: EntityManager, scope: TenantScope, vendorOrgId: string): Promise<VendorWatchEntity | null> {
    return m.getRepository(VendorWatchEntity).findOne({ where: { orgId: scope.orgId, vendorOrgId } });
  },

  async insertWatch(m: EntityManager, scope: TenantScope, values: Partial<VendorWatchEntity>): Promise<VendorWatchEntity> {
    const repo = m.getRepository(VendorWatchEntity);
    return repo.save(repo.create({ ...values, orgId: scope.orgId }));
  },

  /** Removes a watch with what hangs on it (its recorded attestations, its policy override; history stays). */
  async deleteWatch(m: EntityManager, scope: TenantScope, id: string): Promise<void> {
    await m.query(`DELETE FROM tracked_attestations WHERE org_id = $1 AND watch_id = $2`, [scope.orgId, id]);
    await m.query(`DELETE FROM requirement_policies WHERE org_id = $1 AND watch_id = $2`, [scope.orgId, id]);
    await m.query(`DELETE FROM vendor_watches WHERE org_id = $1 AND id = $2`, [scope.orgId, id]);
  },

  async insertTracked(m: EntityManager, scope: TenantScope, values: Partial<TrackedAttestationEntity>): Promise<TrackedAttestationEntity> {
    const repo = m.getRepository(TrackedAttestationEntity);
    return repo.save(repo.create({ ...values, orgId: scope.orgId }));
  },

  async policy(m: EntityManager, scope: TenantScope, watchId: string | null): Promise<RequirementPolicyEntity | null> {
    return m.getRepository(RequirementPolicyEntity).createQueryBuilder('p')
      .where('p.org_id = :orgId', { orgId: scope.orgId })
      .andWhere(watchId ? 'p.watch_id = :watchId' : 'p.watch_id IS NULL', { watchId })
      .getOne();
  },

  async savePolicy(m: EntityManager, scope: TenantScope, watchId: string | null, values: Partial<RequirementPolicyEntity>): Promise<RequirementPolicyEntity> {
    const existing = await this.policy(m, scope, watchId);
    const repo = m.getRepository(RequirementPolicyEntity);
    if (existing) {
      await repo.update({ orgId: scope.orgId, id: existing.id }, { ...values, updatedAt: new Date() });
      return (await this.policy(m, scope, watchId))!;
    }
    return repo.save(repo.create({ ...values, orgId: scope.orgId, watchId }));
  },

  async deletePolicy(m: EntityManager, scope: TenantScope, watchId: string): Promise<void> {
    await m.query(`DELETE FROM requirement_policies WHERE org_id = $1 AND watch_id = $2`, [scope.orgId, watchId]);
  },

  /**
   * Everything a portfolio evaluation needs, in a fixed number of statements whatever the number of vendors. Runs in a
   * transaction with `app.public_reads` on (published vendor data across tenants) and the customer as both tenant and
   * customer org (its own watches and policies; its grants at each vendor). `on`: the evaluation date (reviews made
   * after it do not count); `watchIds`: only those vendors (a mutation's checks; the page of vendorStatuses' index).
   */
  async portfolio(m: EntityManager, scope: TenantScope, on: CalendarDate, now: Date, watchIds: readonly string[] | null = null): Promise<PortfolioRows> {
    const ids = watchIds === null ? null : watchIds.filter(isUuid);
    if (ids !== null && ids.length === 0) return { watches: [], policies: [], evidence: new Map(), visibleVendors: new Map(), grantedVendors: new Set(), reviews: new Map() };
    // The customer's own inputs in one statement (json-parts.ts): watches, requirement policies, recorded reports and
    // the latest reviews. Watches and recorded reports as plain rows named like the entity's properties: TypeORM's
    // hydration of 500 watches cost more than the query.
    const own = await selectParts(m, {
      watches: rowsPart(
        (p) => {
          const idList = p.add(ids);
          return `SELECT org_id AS "orgId", id, vendor_org_id AS "vendorOrgId", name, domain, notes, created_by AS "createdBy",
                         created_at AS "createdAt", updated_at AS "updatedAt"
                  FROM vendor_watches WHERE org_id = ${p.add(scope.orgId)} AND (${idList}::uuid[] IS NULL OR id = ANY(${idList}::uuid[]))`;
        },
        null,
        (row) => ({ ...row, createdAt: new Date(row.createdAt as string), updatedAt: new Date(row.updatedAt as string) }) as unknown as VendorWatchEntity,
      ),
      policies: rowsPart(
        (p) => `SELECT * FROM requirement_policies WHERE org_id = ${p.add(scope.orgId)}`,
        null,
        (row, m2) => entityFromJson(m2, RequirementPolicyEntity, row),
      ),
      tracked: rowsPart(
        (p) => {
          const idList = p.add(ids);
          return `SELECT id, org_id, watch_id, framework, soc_type, period_start, period_end, as_of, issue_date, opinion, exception_count,
                         certificate_valid_from, certificate_valid_until, bridge_letters
                  FROM tracked_attestations WHERE org_id = ${p.add(scope.orgId)} AND (${idList}::uuid[] IS NULL OR watch_id = ANY(${idList}::uuid[]))`;
        },
        null,
        (row) => row as unknown as EvidenceRow & { watch_id: string; bridge_letters: BridgeLetterFacts[] },
      ),
      reviews: reviewRepository.latestByPart(scope, on, ids),
    });
    const { watches, policies } = own;
    const vendorIds = [...new Set(watches.map((w) => w.vendorOrgId).filter((id): id is string => id !== null))];
    const evidence = new Map<string, EvidenceFacts[]>(watches.map((w) => [w.id, []]));
    for (const t of own.tracked) evidence.get(t.watch_id)?.push(toFacts(t, t.bridge_letters));
    const reviews = new Map<string, VendorReviewEntity[]>();
    for (const r of own.reviews) {
      const list = reviews.get(r.watchId);
      if (list) list.push(r);
      else reviews.set(r.watchId, [r]);
    }

    const visibleVendors = new Map<string, { slug: string; name: string }>();
    const grantedVendors = new Set<string>();
    if (vendorIds.length > 0) {
      // What the watched vendors on the platform publish, in one statement.
      const theirs = await selectParts(m, {
        published: rowsPart(
          (p) => `SELECT a.id, a.org_id, a.framework, a.soc_type, a.period_start, a.period_end, a.as_of, a.issue_date, a.opinion,
                         jsonb_array_length(a.exceptions) AS exception_count, a.certificate_valid_from, a.certificate_valid_until
                  FROM attestations a WHERE a.org_id = ANY(${p.add(vendorIds)}::uuid[]) AND a.status IN ('PUBLISHED', 'SUPERSEDED')`,
          null,
          (row) => row as unknown as EvidenceRow,
        ),
        letters: rowsPart(
          (p) => `SELECT org_id, attestation_id, covers_from, covers_through, issued_on FROM bridge_letters WHERE org_id = ANY(${p.add(vendorIds)}::uuid[])`,
          null,
          (row) => row as { org_id: string; attestation_id: string; covers_from: string; covers_through: string; issued_on: string },
        ),
        vendors: rowsPart(
          // Two index-driven lookups joined after: as a plain join, the planner (misled by the RLS quals' selectivity)
          // walked every published trust center and probed the 500-id array for each: 490 ms at 10,000 vendors.
          (p) => {
            const list = p.add(vendorIds);
            return `WITH o AS MATERIALIZED (SELECT id, slug, name FROM organizations WHERE id = ANY(${list}::uuid[])),
                         t AS MATERIALIZED (SELECT org_id FROM trust_centers WHERE org_id = ANY(${list}::uuid[]) AND status = 'PUBLISHED')
                    SELECT o.id, o.slug, o.name FROM o JOIN t ON t.org_id = o.id`;
          },
          null,
          (row) => row as { id: string; slug: string; name: string },
        ),
        grants: rowsPart(
          (p) => `SELECT DISTINCT org_id FROM access_grants WHERE customer_org_id = ${p.add(scope.orgId)} AND org_id = ANY(${p.add(vendorIds)}::uuid[])
                    AND revoked_at IS NULL AND expires_at > ${p.add(now)}`,
          null,
          (row) => row as { org_id: string },
        ),
      });
      const { published, letters } = theirs;
      for (const v of theirs.vendors) visibleVendors.set(v.id, { slug: v.slug, name: v.name });
      for (const g of theirs.grants) grantedVendors.add(g.org_id);
      const lettersOf = new Map<string, BridgeLetterFacts[]>();
      for (const l of letters) {
        const list = lettersOf.get(l.attestation_id) ?? [];
        list.push(bridgeLetterFacts({ coversFrom: l.covers_from, coversThrough: l.covers_through, issuedOn: l.issued_on }));
        lettersOf.set(l.attestation_id, list);
      }
      const watchesOf = new Map<string, string[]>();
      for (const w of watches) if (w.vendorOrgId) watchesOf.set(w.vendorOrgId, [...(watchesOf.get(w.vendorOrgId) ?? []), w.id]);
      for (const a of published) {
        for (const watchId of watchesOf.get(a.org_id) ?? []) evidence.get(watchId)!.push(toFacts(a, lettersOf.get(a.id) ?? []));
      }
    }
    return { watches, policies, evidence, visibleVendors, grantedVendors, reviews };
  },

  async latestStatuses(m: EntityManager, scope: TenantScope): Promise<Map<string, VendorStatusHistoryEntity>> {
    const rows = await m.getRepository(VendorStatusHistoryEntity).createQueryBuilder('h')
      .distinctOn(['h.watch_id'])
      .where('h.org_id = :orgId', { orgId: scope.orgId })
      .orderBy('h.watch_id').addOrderBy('h.recorded_at', 'DESC')
      .getMany();
    return new Map(rows.map((r) => [r.watchId, r]));
  },

  async historyOf(m: EntityManager, scope: TenantScope, watchIds: readonly string[]): Promise<VendorStatusHistoryEntity[]> {
    if (watchIds.length === 0) return [];
    return m.getRepository(VendorStatusHistoryEntity).createQueryBuilder('h')
      .where('h.org_id = :orgId AND h.watch_id = ANY(:ids)', { orgId: scope.orgId, ids: watchIds })
      .orderBy('h.recorded_at', 'DESC').getMany();
  },

  async insertHistory(m: EntityManager, scope: TenantScope, rows: Partial<VendorStatusHistoryEntity>[]): Promise<void> {
    if (rows.length > 0) await m.insert(VendorStatusHistoryEntity, rows.map((r) => ({ ...r, orgId: scope.orgId })));
  },

  /** The organizations watching the vendor (fan-out of its events). Needs DbScope.fanout(vendorOrgId). */
  async watchersOf(m: EntityManager, vendorOrgId: string): Promise<string[]> {
    const rows: { org_id: string }[] = await m.query(`SELECT DISTINCT org_id FROM vendor_watches WHERE vendor_org_id = $1`, [vendorOrgId]);
    return rows.map((row) => row.org_id);
  },

  /** Organizations that watch vendors (only those in `onlyOrgIds` when given). Needs DbScope.sweep(). */
  async watchingOrgIds(m: EntityManager, onlyOrgIds: string[] | null): Promise<string[]> {
    const rows: { org_id: string }[] = await m.query(
      `SELECT DISTINCT org_id FROM vendor_watches WHERE $1::uuid[] IS NULL OR org_id = ANY($1::uuid[])`, [onlyOrgIds]);
    return rows.map((r) => r.org_id);
  },
};
