import type { Database } from '../../db/database';
import type { JsonPart } from '../../db/json-parts';
import { checkWebUrl } from '../../domain/url';
import { emitVendorEvent } from '../../jobs/events';
import { auditActor, auditLog } from '../audit/audit.service';
import type { TenantScope } from '../auth/tenant-scope';
import { NotFoundError, refusal, type Actor, type PayloadError } from '../common/errors';
import type { SubprocessorEntity } from './notifications.entity';
import { notificationsRepository } from './notifications.repository';

export type SubprocessorErrorCode = 'INVALID_URL';

export interface SubprocessorResult {
  subprocessor: SubprocessorEntity | null;
  errors: PayloadError<SubprocessorErrorCode>[];
}

/** The subprocessor list inside another module's read (a public page reads it beside the trust center). */
export const subprocessorRecords = {
  part: (scope: TenantScope): JsonPart<SubprocessorEntity[]> => notificationsRepository.subprocessorsPart(scope),
};

/** A vendor's subprocessor list; each change is audited and told to its followers (subprocessors.changed). */
export class SubprocessorService {
  constructor(private readonly db: Database) {}

  /** Adds one unless its input is refused (checked before anything is written). */
  async create(scope: TenantScope, actor: Actor, input: { name: string; purpose: string; location: string; dataCategories?: string[] | null; websiteUrl?: string | null }): Promise<SubprocessorResult> {
    let websiteUrl: string | null = null;
    if (input.websiteUrl !== undefined && input.websiteUrl !== null && input.websiteUrl !== '') {
      const url = checkWebUrl(input.websiteUrl);
      if (!url.ok) return { subprocessor: null, errors: [refusal('INVALID_URL', 'websiteUrl', `websiteUrl ${url.message}.`)] };
      websiteUrl = url.href;
    }
    const subprocessor = await this.db.transaction(scope.identity(), async (m) => {
      const saved = await notificationsRepository.insertSubprocessor(m, scope, {
        name: input.name.trim(), purpose: input.purpose.trim(), location: input.location.trim(), dataCategories: input.dataCategories ?? [], websiteUrl,
      });
      await emitVendorEvent(m, { vendorOrgId: scope.orgId, type: 'subprocessors.changed', title: `Subprocessor added: ${saved.name}`, data: { change: 'added', subprocessorId: saved.id, name: saved.name, location: saved.location } });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'subprocessor.added', targetType: 'subprocessor', targetId: saved.id,
        details: { name: saved.name, purpose: saved.purpose, location: saved.location, dataCategories: saved.dataCategories, websiteUrl: saved.websiteUrl },
      });
      return saved;
    });
    return { subprocessor, errors: [] };
  }

  async remove(scope: TenantScope, actor: Actor, id: string): Promise<void> {
    await this.db.transaction(scope.identity(), async (m) => {
      const found = await notificationsRepository.subprocessor(m, scope, id);
      if (!found) throw new NotFoundError('Subprocessor');
      await notificationsRepository.deleteSubprocessor(m, scope, id);
      await emitVendorEvent(m, { vendorOrgId: scope.orgId, type: 'subprocessors.changed', title: `Subprocessor removed: ${found.name}`, data: { change: 'removed', subprocessorId: id, name: found.name } });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'subprocessor.removed', targetType: 'subprocessor', targetId: id,
        details: { name: found.name, purpose: found.purpose, location: found.location },
      });
    });
  }

  /** What a visitor's scope shows of a published trust center, or everything for a member. */
  async list(scope: TenantScope): Promise<SubprocessorEntity[]> {
    return this.db.transaction(scope.identity(), (m) => notificationsRepository.subprocessors(m, scope));
  }
}
