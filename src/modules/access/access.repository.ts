import type { EntityManager } from 'typeorm';
import { entityFromJson, rowPart, rowsPart, selectPart, type JsonPart, type SqlParams } from '../../db/json-parts';
import type { AccessState } from '../../domain/access';
import type { TenantScope } from '../auth/tenant-scope';
import { isUuid } from '../common/errors';
import {
  AccessGrantEntity,
  AccessRequestEntity,
  AccessRequestEventEntity,
  NdaAcceptanceEntity,
  NdaTemplateEntity,
} from './access.entity';

/** What an access.* payload says of an access request (no token, key or hash: what the vendor's inbox shows). */
export interface AccessRequestSummary {
  customerOrganizationId: string;
  customerOrganizationName: string;
  requesterEmail: string;
  /** The documents asked for, or null when all restricted documents were. */
  documentIds: string[] | null;
}

/** The only TypeORM user for NDA and access tables. Vendor-owned rows: every query names the vendor tenant. */
export const accessRepository = {
  async templates(m: EntityManager, scope: TenantScope): Promise<NdaTemplateEntity[]> {
    return m.getRepository(NdaTemplateEntity).find({ where: { orgId: scope.orgId }, order: { version: 'DESC' } });
  },

  /** The NDA template whose id is the SQL expression `idSql` (a trust center's current one, read beside it). */
  templatePart(scope: TenantScope, idSql: (p: SqlParams) => string): JsonPart<NdaTemplateEntity | null> {
    return rowPart(
      (p) => `SELECT t.* FROM nda_templates t WHERE t.org_id = ${p.add(scope.orgId)} AND t.id = ${idSql(p)}`,
      (row, m) => entityFromJson(m, NdaTemplateEntity, row),
    );
  },

  async templateById(m: EntityManager, scope: TenantScope, id: string, lock = false): Promise<NdaTemplateEntity | null> {
    if (!isUuid(id)) return null;
    const qb = m.getRepository(NdaTemplateEntity).createQueryBuilder('t').where('t.org_id = :orgId AND t.id = :id', { orgId: scope.orgId, id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  },

  async nextTemplateVersion(m: EntityManager, scope: TenantScope): Promise<number> {
    const rows: { max: number | null }[] = await m.query(`SELECT max(version) AS max FROM nda_templates WHERE org_id = $1`, [scope.orgId]);
    return (rows[0]?.max ?? 0) + 1;
  },

  async insertTemplate(m: EntityManager, scope: TenantScope, values: Partial<NdaTemplateEntity>): Promise<NdaTemplateEntity> {
    const repo = m.getRepository(NdaTemplateEntity);
    return repo.save(repo.create({ ...values, orgId: scope.orgId }));
  },

  async publishTemplate(m: EntityManager, scope: TenantScope, id: string): Promise<void> {
    await m.getRepository(NdaTemplateEntity).update({ orgId: scope.orgId, id }, { status: 'PUBLISHED', publishedAt: new Date() });
  },

  /** Acceptances that can satisfy an NDA for this customer: the org's (or the user's) signatures and any NDA on file. */
  async acceptancesFor(m: EntityManager, scope: TenantScope, customerOrgId: string): Promise<NdaAcceptanceEntity[]> {
    return selectPart(m, accessRepository.acceptancesPart(scope, customerOrgId));
  },

  /** `acceptancesFor` as a JSON part (json-parts.ts), newest first. */
  acceptancesPart(scope: TenantScope, customerOrgId: string): JsonPart<NdaAcceptanceEntity[]> {
    return rowsPart(
      (p) => `SELECT a.* FROM nda_acceptances a WHERE a.org_id = ${p.add(scope.orgId)} AND a.customer_org_id = ${p.add(customerOrgId)}`,
      'r.accepted_at DESC, r.id DESC',
      (row, m) => entityFromJson(m, NdaAcceptanceEntity, row),
    );
  },

  async acceptancesForOrgs(m: EntityManager, scope: TenantScope, customerOrgIds: readonly string[]): Promise<NdaAcceptanceEntity[]> {
    if (customerOrgIds.length === 0) return [];
    return m.getRepository(NdaAcceptanceEntity).createQueryBuilder('a')
      .where('a.org_id = :orgId AND a.customer_org_id = ANY(:ids)', { orgId: scope.orgId, ids: customerOrgIds })
      .getMany();
  },

  async recentAcceptances(m: EntityManager, scope: TenantScope, limit: number): Promise<NdaAcceptanceEntity[]> {
    return m.getRepository(NdaAcceptanceEntity).find({ where: { orgId: scope.orgId }, order: { acceptedAt: 'DESC' }, take: limit });
  },

  async insertAcceptance(m: EntityManager, scope: TenantScope, values: Partial<NdaAcceptanceEntity>): Promise<NdaAcceptanceEntity> {
    const repo = m.getRepository(NdaAcceptanceEntity);
    return repo.save(repo.create({ ...values, orgId: scope.orgId }));
  },

  async requestById(m: EntityManager, scope: TenantScope, id: string, lock = false): Promise<AccessRequestEntity | null> {
    if (!isUuid(id)) return null;
    const qb = m.getRepository(AccessRequestEntity).createQueryBuilder('r').where('r.org_id = :orgId AND r.id = :id', { orgId: scope.orgId, id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  },

  /** The user's open request as a JSON part (json-parts.ts). A partial unique index allows one open request per user. */
  openRequestPart(scope: TenantScope, userId: string): JsonPart<AccessRequestEntity | null> {
    return rowPart(
      (p) => `SELECT r.* FROM access_requests r WHERE r.org_id = ${p.add(scope.orgId)} AND r.requester_user_id = ${p.add(userId)} AND r.state = 'REQUESTED' LIMIT 1`,
      (row, m) => entityFromJson(m, AccessRequestEntity, row),
    );
  },

  async hasRequestFrom(m: EntityManager, scope: TenantScope, customerOrgId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM access_requests WHERE org_id = $1 AND requester_org_id = $2 LIMIT 1`, [scope.orgId, customerOrgId]);
    return rows.length > 0;
  },

  async insertRequest(m: EntityManager, scope: TenantScope, values: Partial<AccessRequestEntity>): Promise<AccessRequestEntity> {
    const repo = m.getRepository(AccessRequestEntity);
    return repo.save(repo.create({ ...values, orgId: scope.orgId }));
  },

  async updateRequest(m: EntityManager, scope: TenantScope, id: string, values: Partial<AccessRequestEntity>): Promise<void> {
    await m.getRepository(AccessRequestEntity).update({ orgId: scope.orgId, id }, { ...values, updatedAt: new Date() });
  },

  async addEvent(m: EntityManager, scope: TenantScope, values: { requestId: string; fromState: AccessState | null; toState: AccessState; actorUserId: string | null; rule?: string | null; reason?: string | null }): Promise<void> {
    await m.insert(AccessRequestEventEntity, { orgId: scope.orgId, rule: null, reason: null, ...values });
  },

  async eventsFor(m: EntityManager, scope: TenantScope, requestIds: readonly string[]): Promise<AccessRequestEventEntity[]> {
    if (requestIds.length === 0) return [];
    return m.getRepository(AccessRequestEventEntity).createQueryBuilder('e')
      .where('e.org_id = :orgId AND e.request_id = ANY(:ids)', { orgId: scope.orgId, ids: requestIds })
      // Events of one transaction share a timestamp; the state machine's order breaks the tie.
      .orderBy('e.occurred_at', 'ASC')
      .addOrderBy(`CASE e.to_state WHEN 'REQUESTED' THEN 0 WHEN 'APPROVED' THEN 1 WHEN 'DENIED' THEN 1 ELSE 2 END`, 'ASC')
      .getMany();
  },

  async insertGrants(m: EntityManager, scope: TenantScope, grants: { customerOrgId: string; documentId: string | null; requestId: string; expiresAt: Date }[]): Promise<void> {
    if (grants.length > 0) await m.insert(AccessGrantEntity, grants.map((g) => ({ ...g, orgId: scope.orgId })));
  },

  async revokeGrantsOf(m: EntityManager, scope: TenantScope, requestId: string, by: string | null): Promise<void> {
    await m.query(
      `UPDATE access_grants SET revoked_at = now(), revoked_by = $3 WHERE org_id = $1 AND request_id = $2 AND revoked_at IS NULL`,
      [scope.orgId, requestId, by],
    );
  },

  /** A live grant for this customer covering this document (or all restricted documents). */
  async hasLiveGrant(m: EntityManager, scope: TenantScope, customerOrgId: string, documentId: string, now: Date): Promise<boolean> {
    return selectPart(m, accessRepository.liveGrantPart(scope, customerOrgId, documentId, now));
  },

  /** `hasLiveGrant` as a JSON part (json-parts.ts). */
  liveGrantPart(scope: TenantScope, customerOrgId: string, documentId: string, now: Date): JsonPart<boolean> {
    return {
      sql: (p) => `SELECT to_json(EXISTS (SELECT 1 FROM access_grants WHERE org_id = ${p.add(scope.orgId)} AND customer_org_id = ${p.add(customerOrgId)}
                     AND revoked_at IS NULL AND expires_at > ${p.add(now)} AND (document_id IS NULL OR document_id = ${p.add(documentId)}::uuid)))`,
      decode: (value) => value === true,
    };
  },

  async liveGrantDocumentIds(m: EntityManager, scope: TenantScope, customerOrgId: string, now: Date): Promise<{ all: boolean; ids: Set<string> }> {
    return selectPart(m, accessRepository.liveGrantDocumentIdsPart(scope, customerOrgId, now));
  },

  /** `liveGrantDocumentIds` as a JSON part (json-parts.ts): `all` when a live grant covers the whole trust center. */
  liveGrantDocumentIdsPart(scope: TenantScope, customerOrgId: string, now: Date): JsonPart<{ all: boolean; ids: Set<string> }> {
    return {
      sql: (p) => `SELECT coalesce(json_agg(document_id), '[]'::json) FROM access_grants WHERE org_id = ${p.add(scope.orgId)}
                   AND customer_org_id = ${p.add(customerOrgId)} AND revoked_at IS NULL AND expires_at > ${p.add(now)}`,
      decode: (value) => {
        const ids = value as (string | null)[];
        return { all: ids.includes(null), ids: new Set(ids.filter((id): id is string => id !== null)) };
      },
    };
  },

  // ---- as the notifications module's events and reminders describe them -----------------------------------------

  async accessRequestSummary(m: EntityManager, scope: TenantScope, requestId: string): Promise<AccessRequestSummary | null> {
    const [r]: { requester_org_id: string; requester_org_name: string; requester_email: string; scope: string; document_ids: string[] }[] = await m.query(
      `SELECT requester_org_id, requester_org_name, requester_email, scope, document_ids FROM access_requests WHERE org_id = $1 AND id = $2`, [scope.orgId, requestId]);
    if (!r) return null;
    return { customerOrganizationId: r.requester_org_id, customerOrganizationName: r.requester_org_name, requesterEmail: r.requester_email, documentIds: r.scope === 'DOCUMENTS' ? r.document_ids : null };
  },

  /** Approved access ending after `now` and within `days` days of it. */
  async grantsEndingWithin(m: EntityManager, scope: TenantScope, now: Date, days: number): Promise<{ requestId: string; customerOrgId: string; expiresAt: Date }[]> {
    const rows: { id: string; requester_org_id: string; grant_expires_at: Date }[] = await m.query(
      `SELECT id, requester_org_id, grant_expires_at FROM access_requests
       WHERE org_id = $1 AND state = 'APPROVED' AND grant_expires_at > $2 AND grant_expires_at <= $2::timestamptz + make_interval(days => $3)`,
      [scope.orgId, now, days]);
    return rows.map((r) => ({ requestId: r.id, customerOrgId: r.requester_org_id, expiresAt: r.grant_expires_at }));
  },

  /** Approved access that ended in the `days` days up to `now` (grants end by their date: no write marks them EXPIRED). */
  async grantsEndedWithin(m: EntityManager, scope: TenantScope, now: Date, days: number): Promise<{ requestId: string; expiresAt: Date }[]> {
    const rows: { id: string; grant_expires_at: Date }[] = await m.query(
      `SELECT id, grant_expires_at FROM access_requests
       WHERE org_id = $1 AND state = 'APPROVED' AND grant_expires_at <= $2 AND grant_expires_at > $2::timestamptz - make_interval(days => $3)`,
      [scope.orgId, now, days]);
    return rows.map((r) => ({ requestId: r.id, expiresAt: r.grant_expires_at }));
  },

  /**
   * Approved requests of the scope's org (a vendor) whose grant ends within `days` after `now` and was given for longer
   * than that (a short grant's approval mail already said when it ends), with the documents their live grants cover
   * (a null among them: every restricted document).
   */
  async grantsToRemind(m: EntityManager, scope: TenantScope, now: Date, days: number): Promise<{ requestId: string; requesterEmail: string; expiresAt: Date; documentIds: (string | null)[] }[]> {
    const rows: { id: string; requester_email: string; grant_expires_at: Date; document_ids: (string | null)[] }[] = await m.query(
      `SELECT r.id, r.requester_email, r.grant_expires_at,
              array(SELECT g.document_id FROM access_grants g WHERE g.org_id = r.org_id AND g.request_id = r.id AND g.revoked_at IS NULL) AS document_ids
       FROM access_requests r
       WHERE r.org_id = $1 AND r.state = 'APPROVED' AND r.grant_expires_at > $2 AND r.grant_expires_at <= $2::timestamptz + make_interval(days => $3)
         AND r.decided_at < r.grant_expires_at - make_interval(days => $3)
       ORDER BY r.grant_expires_at, r.id`,
      [scope.orgId, now, days]);
    return rows.map((r) => ({ requestId: r.id, requesterEmail: r.requester_email, expiresAt: r.grant_expires_at, documentIds: r.document_ids }));
  },
};
