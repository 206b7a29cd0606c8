import type { ReportException } from '../../domain/attestation';
import type { CalendarDate } from '../../domain/calendar-date';
import { checkTargetDate, normalizeResponseText, reportExceptions, RESPONSE_TEXT_MAX, type RemediationStatus } from '../../domain/findings';
import type { Database } from '../../db/database';
import { AccessService } from '../access/access.service';
import { auditActor, auditLog } from '../audit/audit.service';
import { authorize } from '../auth/authorize';
import type { Principal } from '../auth/principal';
import type { TenantScope } from '../auth/tenant-scope';
import { refusal, type Actor, type PayloadError } from '../common/errors';
import type { AttestationEntity } from './attestation.entity';
import { attestationDates } from './attestation.facts';
import { attestationRepository } from './attestation.repository';
import type { ExceptionResponseEntity } from './exception-response.entity';

/** The responses of one report's exceptions, by exception id. */
export type ResponsesByException = Map<string, ExceptionResponseEntity>;

/**
 * The findings of these reports of one organization that the caller may read, with the vendor's responses: every
 * report for its members; for anyone else, the reports the access service's findings rule admits (live grant covering
 * the report, NDA satisfied; AccessService.readGrantedFindings). A report missing from the map is hidden.
 */
export async function loadFindings(db: Database, principal: Principal, orgId: string, attestationIds: readonly string[], now: Date): Promise<Map<string, ResponsesByException>> {
  const scope = authorize(principal, 'visit', { orgId });
  const group = (ids: Iterable<string>, rows: readonly ExceptionResponseEntity[]): Map<string, ResponsesByException> => {
    const out = new Map<string, ResponsesByException>([...ids].map((id) => [id, new Map()]));
    for (const r of rows) out.get(r.attestationId)?.set(r.exceptionId, r);
    return out;
  };
  if (scope.isMember) {
    return group(attestationIds, await db.transaction(scope.identity(), (m) => attestationRepository.responsesFor(m, scope, attestationIds)));
  }
  const granted = await new AccessService(db).readGrantedFindings(principal, scope, attestationIds, now, (m, system, readable) => attestationRepository.responsesFor(m, system, readable));
  return granted ? group(granted.readable, granted.result) : new Map();
}

export type ExceptionResponseErrorCode =
  | 'ATTESTATION_NOT_FOUND'
  | 'EXCEPTION_NOT_FOUND'
  | 'REPORT_WITHDRAWN'
  | 'TEXT_TOO_LONG'
  | 'INVALID_TARGET_DATE'
  | 'STATUS_REQUIRED'
  | 'NO_CHANGES';

type Refusal = PayloadError<ExceptionResponseErrorCode>;

export interface ExceptionResponseInput {
  attestationId: string;
  exceptionId: string;
  /** Omitted keeps the stored value; null (or blank) clears it. */
  managementResponse?: string | null;
  remediationPlan?: string | null;
  targetDate?: CalendarDate | null;
  /** Omitted keeps the stored value (OPEN for a first response); null is refused. */
  status?: RemediationStatus | null;
}

export interface ExceptionResponseResult {
  attestation: AttestationEntity | null;
  exception: ReportException | null;
  response: ExceptionResponseEntity | null;
  errors: Refusal[];
}

const refused = (errors: Refusal[], attestation: AttestationEntity | null = null): ExceptionResponseResult => ({ attestation, exception: null, response: null, errors });

/** The fields a response carries, in the order the audit event lists what changed. */
const FIELDS = ['managementResponse', 'remediationPlan', 'targetDate', 'status'] as const;

/** Vendor-side writes of the responses to a report's exceptions. One transaction per mutation; each change is audited. */
export class FindingsService {
  constructor(private readonly db: Database) {}

  /**
   * Sets (first time) or changes the vendor's management response, remediation plan, target date and status of one
   * exception of a report of the active organization. DRAFT, PUBLISHED and SUPERSEDED reports take responses (an old
   * report's exceptions are still being remediated); a WITHDRAWN one does not. A report of another organization is
   * not found in this tenant: ATTESTATION_NOT_FOUND, like a missing one.
   */
  async setResponse(scope: TenantScope, actor: Actor, input: ExceptionResponseInput, today: CalendarDate): Promise<ExceptionResponseResult> {
    const texts = { managementResponse: normalizeResponseText(input.managementResponse), remediationPlan: normalizeResponseText(input.remediationPlan) };
    const errors: Refusal[] = [];
    for (const field of ['managementResponse', 'remediationPlan'] as const) {
      const text = texts[field];
      if (text && text.length > RESPONSE_TEXT_MAX) errors.push(refusal('TEXT_TOO_LONG', field, `${field} is ${text.length} characters; at most ${RESPONSE_TEXT_MAX}.`));
    }
    if (input.status === null) errors.push(refusal('STATUS_REQUIRED', 'status', 'status cannot be cleared: give OPEN, IN_PROGRESS, REMEDIATED or RISK_ACCEPTED, or leave it out.'));
    if (errors.length > 0) return refused(errors);
    return this.db.transaction(scope.identity(), async (m) => {
      // The report's row lock serialises responses to its exceptions (the first one inserts the row).
      const report = await attestationRepository.findById(m, scope, input.attestationId, true);
      if (!report) return refused([refusal('ATTESTATION_NOT_FOUND', 'attestationId', 'No report of this organization has this id.')]);
      if (report.status === 'WITHDRAWN') {
        return refused([refusal('REPORT_WITHDRAWN', 'attestationId', 'The report is WITHDRAWN: its findings are no longer shown, so they take no response.')], report);
      }
      const exception = reportExceptions(report.exceptions).find((x) => x.id === input.exceptionId);
      if (!exception) return refused([refusal('EXCEPTION_NOT_FOUND', 'exceptionId', 'The report lists no exception with this id (see Attestation.exceptions { id }).')], report);
      if (input.targetDate != null) {
        const dates = attestationDates(report);
        const problem = checkTargetDate(input.targetDate, dates.periodStart ?? dates.asOf ?? dates.certificateValidFrom ?? dates.issueDate, today);
        if (problem) return refused([refusal('INVALID_TARGET_DATE', 'targetDate', problem)], report);
      }
      const current = await attestationRepository.responseFor(m, scope, report.id, exception.id);
      const before = {
        managementResponse: current?.managementResponse ?? null,
        remediationPlan: current?.remediationPlan ?? null,
        targetDate: current?.targetDate ?? null,
        status: current?.status ?? ('OPEN' as RemediationStatus),
      };
      const after = {
        managementResponse: texts.managementResponse === undefined ? before.managementResponse : texts.managementResponse,
        remediationPlan: texts.remediationPlan === undefined ? before.remediationPlan : texts.remediationPlan,
        targetDate: input.targetDate === undefined ? before.targetDate : input.targetDate,
        status: input.status ?? before.status,
      };
      const changed = FIELDS.filter((f) => after[f] !== before[f]);
      // A first response may be just "status: OPEN" (the vendor acknowledges the exception); otherwise something must change.
      if (changed.length === 0 && (current !== null || input.status === undefined)) {
        return refused([refusal('NO_CHANGES', null, current ? 'The response already says this: nothing to change.' : 'Give at least one of managementResponse, remediationPlan, targetDate or status.')], report);
      }
      const response = await attestationRepository.saveResponse(m, scope, { attestationId: report.id, exceptionId: exception.id }, current !== null, { ...after, updatedBy: scope.userId });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'attestation.exception_response_set', targetType: 'attestation', targetId: report.id,
        details: {
          exceptionId: exception.id, controlRef: exception.controlRef, first: current === null, changed,
          status: after.status, targetDate: after.targetDate, previousStatus: current ? before.status : null,
        },
      });
      return { attestation: report, exception, response, errors: [] };
    });
  }
}
