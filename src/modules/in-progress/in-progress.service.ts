import type { EntityManager } from 'typeorm';
import { isSocFramework, type AttestationStatus, type Framework, type SocType } from '../../domain/attestation';
import { compareDates, todayUtc, type CalendarDate } from '../../domain/calendar-date';
import type { InProgressReport } from '../../domain/compliance';
import type { Database } from '../../db/database';
import { attestations } from '../attestations/attestation.service';
import { auditActor, auditLog } from '../audit/audit.service';
import type { TenantScope } from '../auth/tenant-scope';
import { NotFoundError, refusal, type Actor, type PayloadError } from '../common/errors';
import { trustCenters } from '../trust-center/trust-center.service';
import type { AttestationInProgressEntity, InProgressStatus } from './in-progress.entity';
import { inProgressRepository } from './in-progress.repository';

export type InProgressErrorCode =
  | 'EXPECTED_DATE_IN_PAST'
  | 'PERIOD_END_NOT_ALLOWED'
  | 'SOC_TYPE_REQUIRED'
  | 'SOC_TYPE_NOT_APPLICABLE'
  | 'OBSERVATION_START_NOT_APPLICABLE'
  | 'OBSERVATION_START_AFTER_EXPECTED_DATE'
  | 'EXPECTED_DATE_REQUIRED'
  | 'ALREADY_IN_PROGRESS'
  | 'INVALID_TRANSITION'
  | 'REPORT_MISMATCH'
  | 'REPORT_NOT_CURRENT';

type Refusal = PayloadError<InProgressErrorCode>;

export interface InProgressResult {
  attestationInProgress: AttestationInProgressEntity | null;
  errors: Refusal[];
}

/** The facts of an in-progress attestation, as given (create) or as they would be after an update. */
export interface InProgressFacts {
  framework: Framework;
  socType: SocType | null;
  observationStart: CalendarDate | null;
  expectedReportDate: CalendarDate;
}

/** What a create or update may carry. `periodEnd` is accepted only to be refused: nothing in progress has one. */
export interface InProgressInput {
  socType?: SocType | null;
  observationStart?: CalendarDate | null;
  expectedReportDate?: CalendarDate | null;
  auditor?: string | null;
  periodEnd?: CalendarDate | null;
}

/**
 * The rules, pure. `expectedChanged`: the past-date rule applies to a date being set, so an overdue entry can still
 * get its auditor corrected (it shows as overdue, and a new date is what fixes it).
 */
export function checkInProgress(f: InProgressFacts, periodEnd: CalendarDate | null | undefined, today: CalendarDate, expectedChanged: boolean): Refusal[] {
  const errors: Refusal[] = [];
  if (periodEnd != null) {
    errors.push(refusal('PERIOD_END_NOT_ALLOWED', 'periodEnd', 'An attestation in progress has no period end yet: record the report (createAttestation) once the auditor has issued it.'));
  }
  const soc = isSocFramework(f.framework);
  if (soc && !f.socType) errors.push(refusal('SOC_TYPE_REQUIRED', 'socType', `A ${f.framework} engagement needs socType (TYPE_I or TYPE_II).`));
  if (!soc && f.socType) errors.push(refusal('SOC_TYPE_NOT_APPLICABLE', 'socType', `socType applies to SOC reports only, not ${f.framework}: leave it null.`));
  if (f.observationStart && f.socType !== 'TYPE_II') {
    errors.push(refusal('OBSERVATION_START_NOT_APPLICABLE', 'observationStart', 'Only a SOC Type II engagement has an observation period: leave observationStart null.'));
  } else if (f.observationStart && compareDates(f.observationStart, f.expectedReportDate) > 0) {
    errors.push(refusal('OBSERVATION_START_AFTER_EXPECTED_DATE', 'observationStart', 'observationStart is after expectedReportDate: the report comes after its observation period.'));
  }
  if (expectedChanged && compareDates(f.expectedReportDate, today) < 0) {
    errors.push(refusal('EXPECTED_DATE_IN_PAST', 'expectedReportDate', `expectedReportDate ${f.expectedReportDate} is before today (${today}).`));
  }
  return errors;
}

const transitionError = (from: InProgressStatus, to: string): Refusal =>
  refusal('INVALID_TRANSITION', 'id', `An attestation in progress that is ${from} cannot be ${to}: only IN_PROGRESS ones change.`);

/** Statuses of a report an in-progress attestation may become: a draft of it, or the published report. */
const COMPLETABLE: readonly AttestationStatus[] = ['DRAFT', 'PUBLISHED'];

const kindName = (f: Framework, t: SocType | null): string => `${f}${t ? ` ${t.replace('_', ' ')}` : ''}`;

/** Vendor-side writes. One transaction per mutation (the trust center row serialises them per org); each is audited. */
export class InProgressService {
  constructor(private readonly db: Database) {}

  async create(scope: TenantScope, actor: Actor, framework: Framework, input: InProgressInput, today: CalendarDate): Promise<InProgressResult> {
    if (!input.expectedReportDate) {
      return { attestationInProgress: null, errors: [refusal('EXPECTED_DATE_REQUIRED', 'expectedReportDate', 'expectedReportDate is required.')] };
    }
    const facts: InProgressFacts = { framework, socType: input.socType ?? null, observationStart: input.observationStart ?? null, expectedReportDate: input.expectedReportDate };
    const errors = checkInProgress(facts, input.periodEnd, today, true);
    if (errors.length > 0) return { attestationInProgress: null, errors };
    return this.db.transaction(scope.identity(), async (m) => {
      await trustCenters.lock(m, scope);
      if ((await inProgressRepository.openOfKind(m, scope, framework, facts.socType, null)).length > 0) {
        return { attestationInProgress: null, errors: [refusal('ALREADY_IN_PROGRESS', 'framework', `A ${kindName(framework, facts.socType)} is already in progress: update that one.`)] };
      }
      const row = await inProgressRepository.insert(m, scope, { ...facts, auditor: input.auditor ?? null, status: 'IN_PROGRESS', createdBy: scope.userId });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'attestation_in_progress.created', targetType: 'attestation_in_progress', targetId: row.id,
        details: { framework, socType: facts.socType, observationStart: facts.observationStart, expectedReportDate: facts.expectedReportDate, auditor: row.auditor },
      });
      return { attestationInProgress: row, errors: [] };
    });
  }

  async update(scope: TenantScope, actor: Actor, id: string, input: InProgressInput, today: CalendarDate): Promise<InProgressResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      await trustCenters.lock(m, scope);
      const current = await inProgressRepository.findById(m, scope, id, true);
      if (!current) throw new NotFoundError('Attestation in progress');
      if (current.status !== 'IN_PROGRESS') return { attestationInProgress: current, errors: [transitionError(current.status, 'changed')] };
      if (input.expectedReportDate === null) {
        return { attestationInProgress: current, errors: [refusal('EXPECTED_DATE_REQUIRED', 'expectedReportDate', 'expectedReportDate cannot be cleared.')] };
      }
      const next: Partial<AttestationInProgressEntity> = {};
      if (input.socType !== undefined) next.socType = input.socType;
      if (input.observationStart !== undefined) next.observationStart = input.observationStart;
      if (input.expectedReportDate !== undefined) next.expectedReportDate = input.expectedReportDate;
      if (input.auditor !== undefined) next.auditor = input.auditor;
      const merged = { ...current, ...next };
      const facts: InProgressFacts = {
        framework: merged.framework,
        socType: merged.socType,
        observationStart: merged.observationStart as CalendarDate | null,
        expectedReportDate: merged.expectedReportDate as CalendarDate,
      };
      const expectedChanged = input.expectedReportDate !== undefined && input.expectedReportDate !== current.expectedReportDate;
      const errors = checkInProgress(facts, input.periodEnd, today, expectedChanged);
      if (errors.length > 0) return { attestationInProgress: current, errors };
      if (next.socType !== undefined && (await inProgressRepository.openOfKind(m, scope, merged.framework, merged.socType, id)).length > 0) {
        return { attestationInProgress: current, errors: [refusal('ALREADY_IN_PROGRESS', 'socType', `A ${kindName(merged.framework, merged.socType)} is already in progress.`)] };
      }
      await inProgressRepository.update(m, scope, id, next);
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'attestation_in_progress.updated', targetType: 'attestation_in_progress', targetId: id,
        details: { changed: Object.keys(next), ...next },
      });
      return { attestationInProgress: await inProgressRepository.findById(m, scope, id), errors: [] };
    });
  }

  async cancel(scope: TenantScope, actor: Actor, id: string): Promise<InProgressResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      await trustCenters.lock(m, scope);
      const current = await inProgressRepository.findById(m, scope, id, true);
      if (!current) throw new NotFoundError('Attestation in progress');
      if (current.status !== 'IN_PROGRESS') return { attestationInProgress: current, errors: [transitionError(current.status, 'cancelled')] };
      await inProgressRepository.update(m, scope, id, { status: 'CANCELLED', cancelledAt: new Date() });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'attestation_in_progress.cancelled', targetType: 'attestation_in_progress', targetId: id,
        details: { framework: current.framework, socType: current.socType },
      });
      return { attestationInProgress: await inProgressRepository.findById(m, scope, id), errors: [] };
    });
  }

  /**
   * It "becomes" a report: a DRAFT or PUBLISHED attestation of the same framework (and SOC type) in the same
   * organization. A report of another organization is not found in this tenant, so it answers like a mismatch.
   */
  async complete(scope: TenantScope, actor: Actor, id: string, attestationId: string): Promise<InProgressResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      await trustCenters.lock(m, scope);
      const current = await inProgressRepository.findById(m, scope, id, true);
      if (!current) throw new NotFoundError('Attestation in progress');
      if (current.status !== 'IN_PROGRESS') return { attestationInProgress: current, errors: [transitionError(current.status, 'completed')] };
      const report = await attestations.find(m, scope, attestationId);
      if (!report || report.framework !== current.framework || (current.socType !== null && report.socType !== current.socType)) {
        return {
          attestationInProgress: current,
          errors: [refusal('REPORT_MISMATCH', 'attestationId', `attestationId must name a ${kindName(current.framework, current.socType)} report of this organization.`)],
        };
      }
      if (!COMPLETABLE.includes(report.status)) {
        return { attestationInProgress: current, errors: [refusal('REPORT_NOT_CURRENT', 'attestationId', `The report is ${report.status}: link a DRAFT or PUBLISHED one.`)] };
      }
      await inProgressRepository.update(m, scope, id, { status: 'COMPLETED', attestationId: report.id, completedAt: new Date() });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'attestation_in_progress.completed', targetType: 'attestation_in_progress', targetId: id,
        details: { framework: current.framework, socType: current.socType, attestationId: report.id, reportStatus: report.status },
      });
      return { attestationInProgress: await inProgressRepository.findById(m, scope, id), errors: [] };
    });
  }
}

/** Reads for the trust center's list: members see every status, anyone else the IN_PROGRESS rows (RLS repeats it). */
export const inProgress = {
  list(db: Database, scope: TenantScope): Promise<AttestationInProgressEntity[]> {
    const statuses: readonly InProgressStatus[] = scope.isMember ? ['IN_PROGRESS', 'COMPLETED', 'CANCELLED'] : ['IN_PROGRESS'];
    return db.transaction(scope.identity(), (m) => inProgressRepository.list(m, scope, statuses));
  },

  /**
   * What a buyer's portfolio weighs (a requirement policy may accept a Type I while a Type II is in progress): the
   * IN_PROGRESS attestations of these vendors, whose trust centers the caller found published, in one statement, in
   * the caller's transaction with public reads on (DbScope.customerPortfolio). Each counts from the day it was recorded.
   */
  async openOfVendors(m: EntityManager, vendorOrgIds: readonly string[]): Promise<Map<string, InProgressReport[]>> {
    const byVendor = new Map<string, InProgressReport[]>();
    for (const row of await inProgressRepository.openOfOrgs(m, vendorOrgIds)) {
      const report: InProgressReport = {
        id: row.id, framework: row.framework, socType: row.socType, expectedReportDate: row.expectedReportDate as CalendarDate, since: todayUtc(row.createdAt),
      };
      const list = byVendor.get(row.orgId);
      if (list) list.push(report);
      else byVendor.set(row.orgId, [report]);
    }
    return byVendor;
  },
};
