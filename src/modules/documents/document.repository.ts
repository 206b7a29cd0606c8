import type { EntityManager } from 'typeorm';
import { entityFromJson, rowPart, rowsPart, selectPart, type JsonPart } from '../../db/json-parts';
import type { Visibility } from '../../domain/document';
import type { TenantScope } from '../auth/tenant-scope';
import { isUuid } from '../common/errors';
import { DocumentEntity, DocumentVersionEntity } from './document.entity';

export const documentRepository = {
  async findById(m: EntityManager, scope: TenantScope, id: string, lock = false): Promise<DocumentEntity | null> {
    if (!isUuid(id)) return null;
    const qb = m.getRepository(DocumentEntity).createQueryBuilder('d').where('d.org_id = :orgId AND d.id = :id', { orgId: scope.orgId, id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  },

  /**
   * The tenant of a document named only by id. Needs `app.document_id` set to the same id: RLS then shows that one row
   * whatever the current tenant.
   */
  async orgIdOf(m: EntityManager, id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const rows: { org_id: string }[] = await m.query(`SELECT org_id FROM documents WHERE id = $1`, [id]);
    return rows[0]?.org_id ?? null;
  },

  /** A document and its current version as JSON parts, read beside the checks of a download (json-parts.ts). */
  withCurrentVersionParts(scope: TenantScope, id: string): { document: JsonPart<DocumentEntity | null>; version: JsonPart<DocumentVersionEntity | null> } {
    const valid = isUuid(id) ? id : null;
    return {
      document: rowPart((p) => `SELECT d.* FROM documents d WHERE d.org_id = ${p.add(scope.orgId)} AND d.id = ${p.add(valid)}::uuid`, (row, m) => entityFromJson(m, DocumentEntity, row)),
      version: rowPart(
        (p) => `SELECT v.* FROM document_versions v WHERE v.org_id = ${p.add(scope.orgId)}
                  AND v.id = (SELECT d.current_version_id FROM documents d WHERE d.org_id = v.org_id AND d.id = ${p.add(valid)}::uuid)`,
        (row, m) => entityFromJson(m, DocumentVersionEntity, row),
      ),
    };
  },

  async byIds(m: EntityManager, scope: TenantScope, ids: readonly string[]): Promise<DocumentEntity[]> {
    if (!ids.some(isUuid)) return [];
    return selectPart(m, documentRepository.byIdsPart(scope, ids));
  },

  /** `byIds` as a JSON part (json-parts.ts); ids that are not uuids match nothing. */
  byIdsPart(scope: TenantScope, ids: readonly string[]): JsonPart<DocumentEntity[]> {
    const valid = ids.filter(isUuid);
    return rowsPart(
      (p) => `SELECT d.* FROM documents d WHERE d.org_id = ${p.add(scope.orgId)} AND d.id = ANY(${p.add(valid)}::uuid[])`,
      'r.id',
      (row, m) => entityFromJson(m, DocumentEntity, row),
    );
  },

  async page(m: EntityManager, scope: TenantScope, visibilities: readonly Visibility[], limit: number, after: { createdAt: string; id: string } | null, onlyWithFile: boolean): Promise<DocumentEntity[]> {
    return selectPart(m, documentRepository.pagePart(scope, visibilities, limit, after, onlyWithFile));
  },

  /** `page` as a JSON part (json-parts.ts), to be read beside other parts in one statement. */
  pagePart(scope: TenantScope, visibilities: readonly Visibility[], limit: number, after: { createdAt: string; id: string } | null, onlyWithFile: boolean): JsonPart<DocumentEntity[]> {
    return rowsPart(
      (p) => {
        const where = [`d.org_id = ${p.add(scope.orgId)}`, `d.visibility = ANY(${p.add(visibilities)}::text[])`];
        if (onlyWithFile) where.push('d.current_version_id IS NOT NULL');
        if (after) where.push(`(d.created_at, d.id) > (${p.add(after.createdAt)}::timestamptz, ${p.add(after.id)}::uuid)`);
        return `SELECT d.* FROM documents d WHERE ${where.join(' AND ')} ORDER BY d.created_at, d.id LIMIT ${p.add(limit + 1)}`;
      },
      'r.created_at, r.id',
      (row, m2) => entityFromJson(m2, DocumentEntity, row),
    );
  },

  /** Restricted documents with a file, for "all restricted" requests and grants. */
  async restrictedIds(m: EntityManager, scope: TenantScope): Promise<string[]> {
    return selectPart(m, documentRepository.restrictedIdsPart(scope));
  },

  /** `restrictedIds` as a JSON part (json-parts.ts). */
  restrictedIdsPart(scope: TenantScope): JsonPart<string[]> {
    return {
      sql: (p) => `SELECT coalesce(json_agg(id ORDER BY id), '[]'::json) FROM documents
                   WHERE org_id = ${p.add(scope.orgId)} AND visibility = 'RESTRICTED' AND current_version_id IS NOT NULL`,
      decode: (value) => value as string[],
    };
  },

  /**
   * The RESTRICTED documents that carry these reports (linked by attestation_id), bridge letters aside: a grant on one
   * of them is a grant on its report's findings (access.service.ts, readGrantedFindings).
   */
  async restrictedReportDocuments(m: EntityManager, scope: TenantScope, attestationIds: readonly string[]): Promise<{ id: string; attestationId: string }[]> {
    const ids = attestationIds.filter(isUuid);
    if (ids.length === 0) return [];
    const rows: { id: string; attestation_id: string }[] = await m.query(
      `SELECT id, attestation_id FROM documents WHERE org_id = $1 AND attestation_id = ANY($2) AND visibility = 'RESTRICTED' AND kind <> 'BRIDGE_LETTER'`,
      [scope.orgId, ids],
    );
    return rows.map((r) => ({ id: r.id, attestationId: r.attestation_id }));
  },

  async insert(m: EntityManager, scope: TenantScope, values: Partial<DocumentEntity>): Promise<DocumentEntity> {
    const repo = m.getRepository(DocumentEntity);
    return repo.save(repo.create({ ...values, orgId: scope.orgId }));
  },

  async update(m: EntityManager, scope: TenantScope, id: string, values: Partial<DocumentEntity>): Promise<void> {
    await m.getRepository(DocumentEntity).update({ orgId: scope.orgId, id }, { ...values, updatedAt: new Date() });
  },

  async findVersion(m: EntityManager, scope: TenantScope, versionId: string, lock = false): Promise<DocumentVersionEntity | null> {
    if (!isUuid(versionId)) return null;
    const qb = m.getRepository(DocumentVersionEntity).createQueryBuilder('v').where('v.org_id = :orgId AND v.id = :id', { orgId: scope.orgId, id: versionId });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  },

  async versionsByIds(m: EntityManager, scope: TenantScope, ids: readonly string[]): Promise<DocumentVersionEntity[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return m.getRepository(DocumentVersionEntity).createQueryBuilder('v').where('v.org_id = :orgId AND v.id = ANY(:ids)', { orgId: scope.orgId, ids: valid }).getMany();
  },

  async nextVersionNumber(m: EntityManager, scope: TenantScope, documentId: string): Promise<number> {
    const rows: { max: number | null }[] = await m.query(
      `SELECT max(version) AS max FROM document_versions WHERE org_id = $1 AND document_id = $2`,
      [scope.orgId, documentId],
    );
    return (rows[0]?.max ?? 0) + 1;
  },

  async insertVersion(m: EntityManager, scope: TenantScope, values: Partial<DocumentVersionEntity>): Promise<DocumentVersionEntity> {
    const repo = m.getRepository(DocumentVersionEntity);
    return repo.save(repo.create({ ...values, orgId: scope.orgId }));
  },

  async updateVersion(m: EntityManager, scope: TenantScope, id: string, values: Partial<DocumentVersionEntity>): Promise<void> {
    await m.getRepository(DocumentVersionEntity).update({ orgId: scope.orgId, id }, values);
  },
};
