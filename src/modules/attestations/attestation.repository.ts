import type { EntityManager } from 'typeorm';
import { entityFromJson, rowsPart, selectPart, type JsonPart } from '../../db/json-parts';
import type { AttestationStatus, Framework, SocType } from '../../domain/attestation';
import type { TenantScope } from '../auth/tenant-scope';
import { isUuid } from '../common/errors';
import type { AttestationFacts } from '../../domain/freshness';
import { attestationDates, bridgeLetterFacts } from './attestation.facts';
import { AttestationEntity } from './attestation.entity';
import { BridgeLetterEntity } from './bridge-letter.entity';
import { ExceptionResponseEntity } from './exception-response.entity';

/** Bridge letters of one tenant matching `condition` (over alias b), in the order they cover. */
const bridgeLettersSql = (orgId: string, condition: string): string =>
  `SELECT b.* FROM bridge_letters b WHERE b.org_id = ${orgId} AND ${condition} ORDER BY b.covers_from, b.id`;

/** Newest report first: the date it is "as of", then id for a total order (keyset pagination). */
const REPORT_DATE_SQL = 'COALESCE(a.period_end, a.as_of, a.certificate_valid_from, a.issue_date)';

export interface AttestationListFilter {
  statuses: readonly AttestationStatus[];
  framework?: Framework | null;
  limit: number;
  after?: { reportDate: string; id: string } | null;
}

/** A row of `page`: the report, its report date (for the cursor) and, when asked for, its bridge letters. */
export interface AttestationPageRow {
  entity: AttestationEntity;
  reportDate: string;
  bridgeLetters?: BridgeLetterEntity[];
}

/** A published attestation as the sweep evaluates it: its freshness facts, from the one mapping (attestation.facts.ts). */
export interface SweptAttestation {
  id: string;
  title: string | null;
  framework: string;
  facts: AttestationFacts;
}

/** The only TypeORM user for attestation tables; every query is scoped by the tenant (RLS repeats it). */
export const attestationRepository = {
  reportDateSql: REPORT_DATE_SQL,

  async findById(m: EntityManager, scope: TenantScope, id: string, lock = false): Promise<AttestationEntity | null> {
    if (!isUuid(id)) return null;
    const qb = m
      .getRepository(AttestationEntity)
      .createQueryBuilder('a')
      .where('a.org_id = :orgId AND a.id = :id', { orgId: scope.orgId, id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  },

  async byIds(m: EntityManager, scope: TenantScope, ids: readonly string[]): Promise<AttestationEntity[]> {
    ids = ids.filter(isUuid);
    if (ids.length === 0) return [];
    return m
      .getRepository(AttestationEntity)
      .createQueryBuilder('a')
      .where('a.org_id = :orgId AND a.id = ANY(:ids)', { orgId: scope.orgId, ids })
      .getMany();
  },

  /** One page plus one row (to tell whether more follow), with each row's report date for its cursor. */
  async page(m: EntityManager, scope: TenantScope, f: AttestationListFilter): Promise<AttestationPageRow[]> {
    return selectPart(m, attestationRepository.pagePart(scope, f));
  },

  /**
   * `page` as a JSON part (json-parts.ts), to be read beside other parts in one statement. With `withBridgeLetters`,
   * each row also carries its bridge letters (what the `bridgeLetters` loader would read for it).
   */
  pagePart(scope: TenantScope, f: AttestationListFilter, withBridgeLetters = false): JsonPart<AttestationPageRow[]> {
    return rowsPart(
      (p) => {
        const where = [`a.org_id = ${p.add(scope.orgId)}`, `a.status = ANY(${p.add(f.statuses)}::text[])`];
        if (f.framework) where.push(`a.framework = ${p.add(f.framework)}`);
        if (f.after) where.push(`(${REPORT_DATE_SQL}, a.id) < (${p.add(f.after.reportDate)}::date, ${p.add(f.after.id)}::uuid)`);
        const letters = withBridgeLetters ? `, (SELECT coalesce(json_agg(b ORDER BY b.covers_from, b.id), '[]'::json) FROM (${bridgeLettersSql('a.org_id', 'b.attestation_id = a.id')}) b) AS bridge_letters` : '';
        return `SELECT a.*, ${REPORT_DATE_SQL}::text AS report_date${letters} FROM attestations a WHERE ${where.join(' AND ')}
                ORDER BY ${REPORT_DATE_SQL} DESC, a.id DESC LIMIT ${p.add(f.limit + 1)}`;
      },
      'r.report_date DESC, r.id DESC',
      (row, m) => ({
        entity: entityFromJson(m, AttestationEntity, row),
        reportDate: row.report_date as string,
        ...(withBridgeLetters ? { bridgeLetters: (row.bridge_letters as Record<string, unknown>[]).map((b) => entityFromJson(m, BridgeLetterEntity, b)) } : {}),
      }),
    );
  },

  /** Published reports of the same framework and type, locked: the ones a new publication may supersede. */
  async publishedOfKind(m: EntityManager, scope: TenantScope, framework: Framework, socType: SocType | null, excludeId: string): Promise<AttestationEntity[]> {
    const qb = m
      .getRepository(AttestationEntity)
      .createQueryBuilder('a')
      .where('a.org_id = :orgId AND a.framework = :framework AND a.status = :status AND a.id <> :excludeId', {
        orgId: scope.orgId, framework, status: 'PUBLISHED', excludeId,
      })
      .setLock('pessimistic_write');
    if (socType) qb.andWhere('a.soc_type = :socType', { socType });
    else qb.andWhere('a.soc_type IS NULL');
    return qb.getMany();
  },

  async supersededBy(m: EntityManager, scope: TenantScope, id: string): Promise<AttestationEntity[]> {
    return m.getRepository(AttestationEntity).find({ where: { orgId: scope.orgId, supersededById: id, status: 'SUPERSEDED' } });
  },

  /** Type II periods of the given frameworks, published or in history (for gaps between consecutive periods). */
  async typeIIPeriods(m: EntityManager, scope: TenantScope, frameworks: readonly Framework[]): Promise<AttestationEntity[]> {
    return selectPart(m, attestationRepository.typeIIPeriodsPart(scope, frameworks));
  },

  /** `typeIIPeriods` as a JSON part; `frameworks` null: every framework's (a page primes the ones it shows). */
  typeIIPeriodsPart(scope: TenantScope, frameworks: readonly Framework[] | null): JsonPart<AttestationEntity[]> {
    return rowsPart(
      (p) => `SELECT a.org_id, a.id, a.framework, a.period_start, a.period_end FROM attestations a
              WHERE a.org_id = ${p.add(scope.orgId)}${frameworks ? ` AND a.framework = ANY(${p.add(frameworks)}::text[])` : ''}
                AND a.soc_type = 'TYPE_II' AND a.status IN ('PUBLISHED', 'SUPERSEDED')`,
      'r.period_start, r.id',
      (row, m) => entityFromJson(m, AttestationEntity, row),
    );
  },

  async insert(m: EntityManager, scope: TenantScope, values: Partial<AttestationEntity>): Promise<AttestationEntity> {
    const entity = m.getRepository(AttestationEntity).create({ ...values, orgId: scope.orgId });
    return m.getRepository(AttestationEntity).save(entity);
  },

  async update(m: EntityManager, scope: TenantScope, id: string, values: Partial<AttestationEntity>): Promise<void> {
    await m.getRepository(AttestationEntity).update({ orgId: scope.orgId, id }, { ...values, updatedAt: new Date() });
  },

  async bridgeLettersFor(m: EntityManager, scope: TenantScope, attestationIds: readonly string[]): Promise<BridgeLetterEntity[]> {
    const ids = attestationIds.filter(isUuid);
    if (ids.length === 0) return [];
    return selectPart(
      m,
      rowsPart((p) => bridgeLettersSql(p.add(scope.orgId), `b.attestation_id = ANY(${p.add(ids)}::uuid[])`), 'r.covers_from, r.id', (row, m2) => entityFromJson(m2, BridgeLetterEntity, row)),
    );
  },

  async insertBridgeLetter(m: EntityManager, scope: TenantScope, values: Partial<BridgeLetterEntity>): Promise<BridgeLetterEntity> {
    const entity = m.getRepository(BridgeLetterEntity).create({ ...values, orgId: scope.orgId });
    return m.getRepository(BridgeLetterEntity).save(entity);
  },

  /** The vendor's responses to the exceptions of these reports (a visitor's transaction reads none: RLS). */
  async responsesFor(m: EntityManager, scope: TenantScope, attestationIds: readonly string[]): Promise<ExceptionResponseEntity[]> {
    const ids = attestationIds.filter(isUuid);
    if (ids.length === 0) return [];
    return m
      .getRepository(ExceptionResponseEntity)
      .createQueryBuilder('r')
      .where('r.org_id = :orgId AND r.attestation_id = ANY(:ids)', { orgId: scope.orgId, ids })
      .getMany();
  },

  async responseFor(m: EntityManager, scope: TenantScope, attestationId: string, exceptionId: string): Promise<ExceptionResponseEntity | null> {
    if (!isUuid(attestationId) || !isUuid(exceptionId)) return null;
    return m.getRepository(ExceptionResponseEntity).findOne({ where: { orgId: scope.orgId, attestationId, exceptionId } });
  },

  /** Writes the response to one exception: the first one inserts the row, later ones change it in place. */
  async saveResponse(
    m: EntityManager, scope: TenantScope, key: { attestationId: string; exceptionId: string }, exists: boolean,
    values: Pick<ExceptionResponseEntity, 'managementResponse' | 'remediationPlan' | 'targetDate' | 'status' | 'updatedBy'>,
  ): Promise<ExceptionResponseEntity> {
    const repo = m.getRepository(ExceptionResponseEntity);
    if (exists) await repo.update({ orgId: scope.orgId, ...key }, { ...values, updatedAt: new Date() });
    else await repo.insert({ ...values, ...key, orgId: scope.orgId });
    return (await this.responseFor(m, scope, key.attestationId, key.exceptionId))!;
  },

  /** The organization's published attestations with their bridge letters, as freshness facts (the daily sweep). */
  async publishedFacts(m: EntityManager, scope: TenantScope): Promise<SweptAttestation[]> {
    const rows: { id: string; title: string | null; framework: string; period_end: string | null; as_of: string | null; issue_date: string; certificate_valid_from: string | null; certificate_valid_until: string | null }[] = await m.query(
      `SELECT id, title, framework, period_end, as_of, issue_date, certificate_valid_from, certificate_valid_until FROM attestations WHERE org_id = $1 AND status = 'PUBLISHED'`, [scope.orgId]);
    const letters: { attestation_id: string; covers_from: string; covers_through: string; issued_on: string }[] = await m.query(
      `SELECT attestation_id, covers_from, covers_through, issued_on FROM bridge_letters WHERE org_id = $1`, [scope.orgId]);
    return rows.map((a) => ({
      id: a.id,
      title: a.title,
      framework: a.framework,
      facts: {
        ...attestationDates({
          periodStart: null, periodEnd: a.period_end, asOf: a.as_of, issueDate: a.issue_date,
          certificateValidFrom: a.certificate_valid_from, certificateValidUntil: a.certificate_valid_until,
        }),
        bridgeLetters: letters.filter((l) => l.attestation_id === a.id).map((l) => bridgeLetterFacts({ coversFrom: l.covers_from, coversThrough: l.covers_through, issuedOn: l.issued_on })),
      },
    }));
  },
};
