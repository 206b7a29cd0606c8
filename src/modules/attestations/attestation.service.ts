import { randomUUID } from 'node:crypto';
import {
  canTransition,
  checkAttestation,
  checkBridgeLetter,
  checkPublishable,
  reportDate,
  type AttestationFields,
  type AttestationRuleCode,
  type BridgeLetterRuleCode,
  type Framework,
  type ReportException,
  type RuleViolation,
  type StoredReportException,
} from '../../domain/attestation';
import { compareDates, type CalendarDate } from '../../domain/calendar-date';
import { assignExceptionIds, reportExceptions } from '../../domain/findings';
import { coveredThrough } from '../../domain/freshness';
import type { EntityManager } from 'typeorm';
import type { Database } from '../../db/database';
import type { JsonPart } from '../../db/json-parts';
import type { TenantScope } from '../auth/tenant-scope';
import { emitVendorEvent } from '../../jobs/events';
import { auditActor, auditChanges, auditLog } from '../audit/audit.service';
import { NotFoundError, type Actor } from '../common/errors';
import { trustCenters } from '../trust-center/trust-center.service';
import type { AttestationEntity } from './attestation.entity';
import type { AttestationFieldsInput } from './attestation.inputs';
import { attestationDates, attestationFacts, bridgeLetterFacts } from './attestation.facts';
import { attestationRepository, type AttestationListFilter, type AttestationPageRow, type SweptAttestation } from './attestation.repository';
import type { BridgeLetterEntity } from './bridge-letter.entity';

export type AttestationErrorCode = AttestationRuleCode | 'INVALID_TRANSITION' | 'NOT_EDITABLE' | 'ISSUE_DATE_REQUIRED' | 'UNKNOWN_EXCEPTION_ID';
export type AttestationWarningCode = 'PERIOD_LENGTH_UNUSUAL' | 'PUBLISHED_AS_HISTORY';

export interface AttestationResult {
  attestation: AttestationEntity | null;
  errors: RuleViolation<AttestationErrorCode>[];
  warnings: RuleViolation<AttestationWarningCode>[];
}

export interface BridgeLetterResult {
  bridgeLetter: BridgeLetterEntity | null;
  attestation: AttestationEntity | null;
  errors: RuleViolation<BridgeLetterRuleCode>[];
}

const fieldsOf = (e: AttestationEntity): AttestationFields => attestationFacts(e);

/**
 * The report's new exceptions when the input gives them, each with its stable id (findings.ts: an `id` keeps an
 * exception's identity and vendor response across corrections; an unchanged exception keeps its id anyway).
 */
function exceptionsFrom(input: AttestationFieldsInput, previous: readonly StoredReportException[]): { exceptions?: ReportException[]; error?: RuleViolation<AttestationErrorCode> } {
  if (input.exceptions === undefined) return {};
  const assigned = assignExceptionIds(input.exceptions ?? [], reportExceptions(previous), randomUUID);
  if (!assigned.ok) return { error: { code: 'UNKNOWN_EXCEPTION_ID', field: `exceptions.${assigned.index}.id`, message: assigned.message } };
  return { exceptions: assigned.exceptions };
}

/** Copies the fields the input names (undefined = keep, null = clear) onto entity values. */
function applyInput(input: AttestationFieldsInput, base: Partial<AttestationEntity>): Partial<AttestationEntity> {
  const out: Partial<AttestationEntity> = { ...base };
  const keys = [
    'socType', 'title', 'scope', 'periodStart', 'periodEnd', 'asOf', 'issueDate', 'auditor', 'opinion',
    'certificateNumber', 'certificateValidFrom', 'certificateValidUntil',
  ] as const;
  for (const key of keys) {
    if (input[key] !== undefined) (out as Record<string, unknown>)[key] = input[key];
  }
  if (input.trustServiceCriteria !== undefined) out.trustServiceCriteria = [...new Set(input.trustServiceCriteria ?? [])];
  if (input.subserviceOrganizations !== undefined) {
    out.subserviceOrganizations = (input.subserviceOrganizations ?? []).map((x) => ({ name: x.name, method: x.method, services: x.services ?? null }));
  }
  if (input.complementaryUserEntityControls !== undefined) {
    out.complementaryUserEntityControls = (input.complementaryUserEntityControls ?? []).map((x) => ({ ref: x.ref ?? null, description: x.description }));
  }
  return out;
}

function withDefaults(v: Partial<AttestationEntity>): AttestationFields {
  return attestationFacts({
    framework: v.framework!,
    socType: v.socType ?? null,
    opinion: v.opinion ?? null,
    trustServiceCriteria: v.trustServiceCriteria,
    periodStart: v.periodStart ?? null,
    periodEnd: v.periodEnd ?? null,
    asOf: v.asOf ?? null,
    issueDate: v.issueDate!,
    certificateValidFrom: v.certificateValidFrom ?? null,
    certificateValidUntil: v.certificateValidUntil ?? null,
  });
}

const transitionError = (from: string, to: string): RuleViolation<AttestationErrorCode> => ({
  code: 'INVALID_TRANSITION',
  field: 'id',
  message: `An attestation that is ${from} cannot become ${to}.`,
});

/** Vendor-side writes. One transaction per mutation; every read and write goes through the tenant scope. */
/** An attestation inside another module's transaction (a document names the report it belongs to). */
export const attestations = {
  /** A page of reports (with their bridge letters when asked) as a JSON part (a public page reads it beside the trust center). */
  pagePart: (scope: TenantScope, f: AttestationListFilter, withBridgeLetters: boolean): JsonPart<AttestationPageRow[]> => attestationRepository.pagePart(scope, f, withBridgeLetters),
  /** Type II periods (of every framework when `frameworks` is null) as a JSON part. */
  typeIIPeriodsPart: (scope: TenantScope, frameworks: readonly Framework[] | null): JsonPart<AttestationEntity[]> => attestationRepository.typeIIPeriodsPart(scope, frameworks),
  find: (m: EntityManager, scope: TenantScope, id: string): Promise<AttestationEntity | null> => attestationRepository.findById(m, scope, id),
  byIds: (m: EntityManager, scope: TenantScope, ids: readonly string[]): Promise<AttestationEntity[]> => attestationRepository.byIds(m, scope, ids),
  bridgeLettersFor: (m: EntityManager, scope: TenantScope, attestationIds: readonly string[]): Promise<BridgeLetterEntity[]> => attestationRepository.bridgeLettersFor(m, scope, attestationIds),
  /** Type II periods of these frameworks, for gaps between consecutive periods. */
  typeIIPeriods: (m: EntityManager, scope: TenantScope, frameworks: readonly Framework[]): Promise<AttestationEntity[]> => attestationRepository.typeIIPeriods(m, scope, frameworks),
  /** Published reports with their bridge letters as freshness facts (the daily sweep). */
  publishedFacts: (m: EntityManager, scope: TenantScope): Promise<SweptAttestation[]> => attestationRepository.publishedFacts(m, scope),
};

export class AttestationService {
  constructor(private readonly db: Database) {}

  async create(scope: TenantScope, actor: Actor, framework: Framework, input: AttestationFieldsInput): Promise<AttestationResult> {
    if (!input.issueDate) {
      return { attestation: null, errors: [{ code: 'ISSUE_DATE_REQUIRED', field: 'issueDate', message: 'issueDate is required.' }], warnings: [] };
    }
    const assigned = exceptionsFrom(input, []);
    if (assigned.error) return { attestation: null, errors: [assigned.error], warnings: [] };
    const values = applyInput(input, { framework, trustServiceCriteria: [], ...(assigned.exceptions ? { exceptions: assigned.exceptions } : {}) });
    if ((framework === 'SOC2' || framework === 'SOC3') && input.trustServiceCriteria == null) values.trustServiceCriteria = ['SECURITY'];
    const outcome = checkAttestation(withDefaults(values));
    if (outcome.errors.length > 0) return { attestation: null, errors: outcome.errors, warnings: outcome.warnings as RuleViolation<AttestationWarningCode>[] };
    const attestation = await this.db.transaction(scope.identity(), async (m) => {
      const saved = await attestationRepository.insert(m, scope, { ...values, status: 'DRAFT', createdBy: scope.userId });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'attestation.created', targetType: 'attestation', targetId: saved.id,
        details: { framework, socType: values.socType ?? null, title: values.title ?? null, reportDate: reportDate(withDefaults(values)), exceptions: values.exceptions?.length ?? 0 },
      });
      return saved;
    });
    return { attestation, errors: [], warnings: outcome.warnings as RuleViolation<AttestationWarningCode>[] };
  }

  async update(scope: TenantScope, actor: Actor, id: string, input: AttestationFieldsInput, today: CalendarDate): Promise<AttestationResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const current = await attestationRepository.findById(m, scope, id, true);
      if (!current) throw new NotFoundError('Attestation');
      if (current.status === 'SUPERSEDED' || current.status === 'WITHDRAWN') {
        return { attestation: current, errors: [{ code: 'NOT_EDITABLE' as const, field: 'id', message: `A ${current.status} attestation is history and cannot change.` }], warnings: [] };
      }
      if (input.issueDate === null) {
        return { attestation: current, errors: [{ code: 'ISSUE_DATE_REQUIRED' as const, field: 'issueDate', message: 'issueDate cannot be cleared.' }], warnings: [] };
      }
      const assigned = exceptionsFrom(input, current.exceptions);
      if (assigned.error) return { attestation: current, errors: [assigned.error], warnings: [] };
      const next = applyInput(input, assigned.exceptions ? { exceptions: assigned.exceptions } : {});
      const merged = { ...current, ...next } as AttestationEntity;
      const outcome = current.status === 'PUBLISHED' ? checkPublishable(fieldsOf(merged), today) : checkAttestation(fieldsOf(merged));
      const warnings = outcome.warnings as RuleViolation<AttestationWarningCode>[];
      if (outcome.errors.length > 0) return { attestation: current, errors: outcome.errors, warnings };
      await attestationRepository.update(m, scope, id, next);
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'attestation.updated', targetType: 'attestation', targetId: id,
        details: { framework: current.framework, status: current.status, ...auditChanges(current, next) },
      });
      return { attestation: await attestationRepository.findById(m, scope, id), errors: [], warnings };
    });
  }

  /**
   * Publishes a draft. Older published reports of the same framework and type become SUPERSEDED by it; if a newer one
   * is already published, this one goes straight into history (SUPERSEDED by the newer) with a warning.
   */
  async publish(scope: TenantScope, actor: Actor, id: string, today: CalendarDate): Promise<AttestationResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      // The trust center row serialises publications within an org, so two concurrent publishes cannot both win.
      await trustCenters.lock(m, scope);
      const current = await attestationRepository.findById(m, scope, id, true);
      if (!current) throw new NotFoundError('Attestation');
      if (current.status !== 'DRAFT') return { attestation: current, errors: [transitionError(current.status, 'PUBLISHED')], warnings: [] };
      const outcome = checkPublishable(fieldsOf(current), today);
      const warnings = outcome.warnings as RuleViolation<AttestationWarningCode>[];
      if (outcome.errors.length > 0) return { attestation: current, errors: outcome.errors, warnings };

      const now = new Date();
      const mine = reportDate(fieldsOf(current));
      const others = await attestationRepository.publishedOfKind(m, scope, current.framework, current.socType, id);
      const newer = others.filter((o) => compareDates(reportDate(fieldsOf(o)), mine) > 0);
      if (newer.length > 0) {
        const newest = newer.reduce((a, b) => (compareDates(reportDate(fieldsOf(a)), reportDate(fieldsOf(b))) >= 0 ? a : b));
        await attestationRepository.update(m, scope, id, { status: 'SUPERSEDED', publishedAt: now, supersededAt: now, supersededById: newest.id });
        warnings.push({
          code: 'PUBLISHED_AS_HISTORY',
          field: 'id',
          message: `A newer ${current.framework} report (${reportDate(fieldsOf(newest))}) is already published; this one was filed as SUPERSEDED history.`,
        });
      } else {
        for (const older of others) {
          await attestationRepository.update(m, scope, older.id, { status: 'SUPERSEDED', supersededAt: now, supersededById: id });
        }
        await attestationRepository.update(m, scope, id, { status: 'PUBLISHED', publishedAt: now });
      }
      const name = current.title ?? `${current.framework}${current.socType ? ` ${current.socType.replace('_', ' ')}` : ''}`;
      if (newer.length === 0) {
        await emitVendorEvent(m, { vendorOrgId: scope.orgId, type: 'attestation.published', title: `${name} published`, data: { attestationId: id, framework: current.framework, socType: current.socType, reportDate: mine } });
        for (const older of others) {
          await emitVendorEvent(m, { vendorOrgId: scope.orgId, type: 'attestation.superseded', title: `${older.title ?? older.framework} superseded by ${name}`, data: { attestationId: older.id, supersededById: id } });
        }
      }
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'attestation.published', targetType: 'attestation', targetId: id,
        details: { framework: current.framework, socType: current.socType, reportDate: mine, filedAsHistory: newer.length > 0, superseded: newer.length > 0 ? [] : others.map((o) => o.id) },
      });
      return { attestation: await attestationRepository.findById(m, scope, id), errors: [], warnings };
    });
  }

  /** Takes a report down. Reports it had superseded become current again. */
  async withdraw(scope: TenantScope, actor: Actor, id: string, reason: string | null): Promise<AttestationResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      await trustCenters.lock(m, scope);
      const current = await attestationRepository.findById(m, scope, id, true);
      if (!current) throw new NotFoundError('Attestation');
      if (!canTransition(current.status, 'WITHDRAWN')) return { attestation: current, errors: [transitionError(current.status, 'WITHDRAWN')], warnings: [] };
      const now = new Date();
      await attestationRepository.update(m, scope, id, { status: 'WITHDRAWN', withdrawnAt: now, withdrawnReason: reason });
      if (current.status === 'PUBLISHED') {
        const previous = await attestationRepository.supersededBy(m, scope, id);
        const latest = previous.sort((a, b) => compareDates(reportDate(fieldsOf(b)), reportDate(fieldsOf(a))))[0];
        if (latest) await attestationRepository.update(m, scope, latest.id, { status: 'PUBLISHED', supersededAt: null, supersededById: null });
      }
      await emitVendorEvent(m, { vendorOrgId: scope.orgId, type: 'attestation.withdrawn', title: `${current.title ?? current.framework} withdrawn`, data: { attestationId: id, framework: current.framework } });
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'attestation.withdrawn', targetType: 'attestation', targetId: id, details: { framework: current.framework, reason } });
      return { attestation: await attestationRepository.findById(m, scope, id), errors: [], warnings: [] };
    });
  }

  async addBridgeLetter(
    scope: TenantScope,
    actor: Actor,
    input: { attestationId: string; coversFrom: CalendarDate; coversThrough: CalendarDate; issuedOn: CalendarDate; signedByName: string; signedByTitle?: string | null; notes?: string | null },
    today: CalendarDate,
  ): Promise<BridgeLetterResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const trustCenter = await trustCenters.lock(m, scope);
      const report = await attestationRepository.findById(m, scope, input.attestationId, true);
      if (!report || !trustCenter) throw new NotFoundError('Attestation');
      const dates = attestationDates(report);
      const end = dates.periodEnd ?? dates.asOf;
      const existing = await attestationRepository.bridgeLettersFor(m, scope, [report.id]);
      const chained = end
        ? coveredThrough(end, existing.map(bridgeLetterFacts))
        : null;
      const errors = checkBridgeLetter({
        report: { framework: report.framework, status: report.status, periodEnd: dates.periodEnd, asOf: dates.asOf },
        coveredThrough: chained,
        letter: input,
        maxMonths: trustCenter.bridgeLetterMaxMonths,
        today,
      });
      if (errors.length > 0) return { bridgeLetter: null, attestation: report, errors };
      const bridgeLetter = await attestationRepository.insertBridgeLetter(m, scope, {
        attestationId: report.id,
        coversFrom: input.coversFrom,
        coversThrough: input.coversThrough,
        issuedOn: input.issuedOn,
        signedByName: input.signedByName,
        signedByTitle: input.signedByTitle ?? null,
        notes: input.notes ?? null,
        createdBy: scope.userId,
      });
      await emitVendorEvent(m, {
        vendorOrgId: scope.orgId, type: 'bridge_letter.added', title: `Bridge letter for ${report.title ?? report.framework} through ${input.coversThrough}`,
        data: { attestationId: report.id, bridgeLetterId: bridgeLetter.id, coversFrom: input.coversFrom, coversThrough: input.coversThrough },
      });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'bridge_letter.added', targetType: 'attestation', targetId: report.id,
        details: {
          bridgeLetterId: bridgeLetter.id, framework: report.framework, coversFrom: input.coversFrom, coversThrough: input.coversThrough,
          issuedOn: input.issuedOn, signedByName: input.signedByName, signedByTitle: input.signedByTitle ?? null,
        },
      });
      return { bridgeLetter, attestation: report, errors: [] };
    });
  }
}
