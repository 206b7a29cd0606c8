import { createHash } from 'node:crypto';
import { todayUtc } from '../../domain/calendar-date';
import { emitOwnEvent } from '../../jobs/events';
import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import { NO_PART, selectParts } from '../../db/json-parts';
import { auditActor, auditLog } from '../audit/audit.service';
import { activeMembership, authorize } from '../auth/authorize';
import type { Principal } from '../auth/principal';
import { TenantScope } from '../auth/tenant-scope';
import { NotFoundError, type Actor, type PayloadError } from '../common/errors';
import { documents } from '../documents/document.service';
import { WatermarkError } from '../documents/watermark';
import { stampStoredOffThread, STORAGE_IO_ON_WORKER_BYTES, watermarkOffThread } from '../documents/watermark-pool';
import { objectKeys, type Storage } from '../storage/storage';
import { trustCenters } from '../trust-center/trust-center.service';
import { accessRepository } from './access.repository';
import { AccessService } from './access.service';
import { DownloadEventEntity } from './access.entity';

export interface DownloadLink {
  url: string;
  expiresAt: Date;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  watermarked: boolean;
}

export type DownloadErrorCode = 'NDA_REQUIRED' | 'CANNOT_WATERMARK';

export interface DownloadResult {
  download: DownloadLink | null;
  errors: (PayloadError<DownloadErrorCode> & { ndaVersion: number | null })[];
}

/** What the deciding transaction found: enough to fetch or stamp the file and record the download afterwards. */
interface DownloadPlan {
  scope: TenantScope;
  customer: { orgId: string; name: string } | null;
  document: { id: string; visibility: string };
  version: { id: string; version: number; storageKey: string; sizeBytes: number; fileName: string; contentType: string };
  watermark: boolean;
}

const cannotWatermark = (error: WatermarkError): DownloadResult => ({
  download: null,
  errors: [{ code: 'CANNOT_WATERMARK', field: null, message: `This file cannot be watermarked (${error.code}); ask the vendor for another copy.`, ndaVersion: null }],
});

/**
 * A download in three steps, so no transaction is held over storage or PDF work:
 * 1. a short read transaction decides: the document is visible, the caller's organization holds a live grant (or the
 *    document is PUBLIC, or the caller is a member), the NDA is accepted where required;
 * 2. outside any transaction, the file is checked in storage or, for a customer's restricted PDF, stamped on a worker
 *    thread and stored (from 1 MiB, read and stored by that thread too);
 * 3. a short write transaction checks the grant is still live and records the download event and its audit link; only
 *    then is a URL made. A storage failure in step 2 records nothing (SERVICE_UNAVAILABLE or NOT_FOUND).
 */
export class DownloadService {
  constructor(
    private readonly db: Database,
    private readonly storage: Storage,
    private readonly maxBytes: number,
  ) {}

  async request(principal: Principal, actor: Actor, documentId: string, now = new Date()): Promise<DownloadResult> {
    const decided = await this.decide(principal, documentId, now);
    // The decision is read; no transaction stays open over what follows (storage, stamping).
    await this.db.endReads();
    if ('errors' in decided) return decided;
    const plan = decided;
    let file: { key: string; sizeBytes: number };
    try {
      file = await this.prepareFile(plan, principal, now);
    } catch (error) {
      // A restricted PDF's original never leaves through a customer's path: no stamp, no file.
      if (error instanceof WatermarkError) return cannotWatermark(error);
      throw error;
    }
    await this.record(plan, principal, actor, now);
    const link = await this.storage.presignDownload(file.key, plan.version.fileName, plan.version.contentType, now);
    return {
      download: { url: link.url, expiresAt: link.expiresAt, fileName: plan.version.fileName, contentType: plan.version.contentType, sizeBytes: file.sizeBytes, watermarked: plan.watermark },
      errors: [],
    };
  }

  /**
   * Step 1: who may have which file (a read transaction: through GraphQL, the one the request began for the caller's
   * authentication, the mutation being `readsFirst`).
   */
  private async decide(principal: Principal, documentId: string, now: Date): Promise<DownloadPlan | DownloadResult> {
    // Find the document's tenant under the narrow document-id lookup, then act as that tenant.
    return this.db.transaction(DbScope.documentLookup(documentId, principal.user?.id ?? null), async (m): Promise<DownloadPlan | DownloadResult> => {
      const orgId = await documents.orgIdOf(m, documentId);
      if (!orgId) throw new NotFoundError('Document');
      // A member downloads originals only if allowed to read documents (an API key needs a READ or PUBLISH scope);
      // otherwise it is treated like anyone else: public files only.
      const scope = authorize(principal, 'document.read', { orgId, orVisitor: true });
      // A user in several organizations says which one is asking (X-Org); a grant belongs to an organization.
      if (!scope.isMember && principal.user && !principal.active && principal.memberships.length > 1) activeMembership(principal);
      const customer = scope.isMember ? null : principal.active;
      await this.db.actAs(m, scope.identity(customer?.orgId ?? null));
      // Everything the decision needs, in one statement (json-parts.ts): the document and its current version, the
      // trust center, and for a customer the live grant and NDA acceptances (used only on the restricted path).
      const asCustomer = !scope.isMember && customer ? customer.orgId : null;
      const read = await selectParts(m, {
        ...documents.withCurrentVersionParts(scope, documentId),
        trustCenter: trustCenters.part(scope),
        liveGrant: asCustomer ? accessRepository.liveGrantPart(scope, asCustomer, documentId, now) : NO_PART,
        acceptances: asCustomer ? accessRepository.acceptancesPart(scope, asCustomer) : NO_PART,
      });
      const { document, trustCenter } = read;
      if (!document || !trustCenter || !document.currentVersionId) throw new NotFoundError('Document');
      const restrictedPath = !scope.isMember && document.visibility === 'RESTRICTED';
      if (!scope.isMember) {
        if (trustCenter.status !== 'PUBLISHED' || document.visibility === 'PRIVATE') throw new NotFoundError('Document');
        if (restrictedPath) {
          // Without a customer organization holding a live grant, a restricted document does not exist for the caller.
          if (!principal.user || !customer) throw new NotFoundError('Document');
          if (read.liveGrant !== true) throw new NotFoundError('Document');
          if (!AccessService.ndaOnFile(trustCenter, read.acceptances ?? [], principal.user.id)) {
            const template = trustCenter.currentNdaTemplateId ? await accessRepository.templateById(m, scope, trustCenter.currentNdaTemplateId) : null;
            return {
              download: null,
              errors: [{
                code: 'NDA_REQUIRED' as const,
                field: null,
                message: template ? `Accept version ${template.version} of the NDA first (acceptNda).` : 'The vendor requires an NDA but has not published one yet; ask the vendor.',
                ndaVersion: template?.version ?? null,
              }],
            };
          }
        }
      }
      const version = read.version;
      // The version the document names (read in the same statement, so the two agree).
      if (!version || version.id !== document.currentVersionId || version.status !== 'AVAILABLE') throw new NotFoundError('Document');
      return {
        scope,
        customer: customer ? { orgId: customer.orgId, name: customer.name } : null,
        document: { id: document.id, visibility: document.visibility },
        version: { id: version.id, version: version.version, storageKey: version.storageKey, sizeBytes: Number(version.sizeBytes), fileName: version.fileName, contentType: version.contentType },
        watermark: restrictedPath && version.contentType === 'application/pdf',
      };
    }, { read: true });
  }

  /** Step 2, outside any transaction: the object to sign a URL for (the original, or this recipient's stamped copy). */
  private async prepareFile(plan: DownloadPlan, principal: Principal, now: Date): Promise<{ key: string; sizeBytes: number }> {
    const { version } = plan;
    if (!plan.watermark) {
      // The file must be there and storage reachable before a download is recorded: a URL that cannot work is not
      // a download (and a storage outage answers SERVICE_UNAVAILABLE, recording nothing).
      if (!(await this.storage.head(version.storageKey))) throw new NotFoundError('Document');
      return { key: version.storageKey, sizeBytes: version.sizeBytes };
    }
    // One derived file per recipient, version and day: the stamp names who received it and when.
    const date = todayUtc(now);
    const tag = createHash('sha256').update(`${principal.user!.id}|${plan.customer!.orgId}|${date}`).digest('hex').slice(0, 32);
    const key = objectKeys.watermarked(plan.scope.orgId, version.id, tag);
    const existing = await this.storage.head(key);
    if (existing) return { key, sizeBytes: existing.sizeBytes };
    const recipient = { email: principal.user!.email, organization: plan.customer!.name, date };
    if (version.sizeBytes >= STORAGE_IO_ON_WORKER_BYTES) {
      // A large file is read, stamped and stored on the worker thread: its bytes never reach this (the API's) thread,
      // where copying them and the garbage collections their size triggers would pause every other request.
      const stamped = await stampStoredOffThread(this.storage, { sourceKey: version.storageKey, targetKey: key, maxBytes: this.maxBytes }, recipient);
      if (!stamped) throw new NotFoundError('Document');
      return { key, sizeBytes: stamped.sizeBytes };
    }
    // A small one: storage I/O here, so the single stamping thread spends its time stamping.
    const original = await this.storage.read(version.storageKey, this.maxBytes);
    if (!original) throw new NotFoundError('Document');
    const stamped = await watermarkOffThread(original, recipient);
    await this.storage.put(key, stamped.pdf, 'application/pdf', stamped.sha256);
    return { key, sizeBytes: stamped.pdf.byteLength };
  }

  /** Step 3: a write transaction records the download, if the grant it was decided on still holds. */
  private async record(plan: DownloadPlan, principal: Principal, actor: Actor, now: Date): Promise<void> {
    const { scope, customer, document, version } = plan;
    await this.db.transaction(scope.identity(customer?.orgId ?? null), async (m) => {
      // Revoked while the file was being fetched or stamped: the caller no longer sees the document.
      if (!scope.isMember && document.visibility === 'RESTRICTED' && !(await accessRepository.hasLiveGrant(m, scope, customer!.orgId, document.id, now))) {
        throw new NotFoundError('Document');
      }
      await m.insert(DownloadEventEntity, {
        orgId: scope.orgId, documentId: document.id, versionId: version.id, customerOrgId: customer?.orgId ?? null, customerOrgName: customer?.name ?? null,
        userId: principal.user?.id ?? null, userEmail: principal.user?.email ?? null, watermarked: plan.watermark, ip: actor.ip, userAgent: actor.userAgent,
      });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'document.downloaded', targetType: 'document', targetId: document.id,
        details: { version: version.version, customer: customer?.name ?? null, watermarked: plan.watermark, visibility: document.visibility },
      });
      // The vendor's endpoints are told as the system in its tenant (a visitor sees no endpoint).
      const system = TenantScope.forSystem(scope.orgId);
      await this.db.actAs(m, system.identity());
      await emitOwnEvent(m, system, { orgId: scope.orgId, type: 'document.downloaded', data: {
        documentId: document.id, version: version.version, visibility: document.visibility, watermarked: plan.watermark,
        customerOrganizationId: customer?.orgId ?? null, customerOrganizationName: customer?.name ?? null, userEmail: principal.user?.email ?? null,
      } }, now);
    });
  }
}
