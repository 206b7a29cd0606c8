import { createHash } from 'node:crypto';
import { todayUtc } from '../../domain/calendar-date';
import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import { auditActor, auditLog } from '../audit/audit.service';
import { activeScope, principalAllows, scopeForOrg, type Principal } from '../auth/principal';
import { TenantScope } from '../auth/tenant-scope';
import { NotFoundError, type Actor, type PayloadError } from '../common/errors';
import { documentRepository } from '../documents/document.repository';
import { WatermarkError, watermarkPdf } from '../documents/watermark';
import { objectKeys, type Storage } from '../storage/storage';
import { trustCenterRepository } from '../trust-center/trust-center.repository';
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

/**
 * One transaction decides and records a download: the document is visible, the caller's organization holds a live
 * grant (or the document is PUBLIC, or the caller is a member), the NDA is accepted where required; the download event
 * and its audit link are written, and only then is a URL made. If storage fails, the transaction rolls back and no
 * download is recorded.
 */
export class DownloadService {
  constructor(
    private readonly db: Database,
    private readonly storage: Storage,
    private readonly maxBytes: number,
  ) {}

  async request(principal: Principal, actor: Actor, documentId: string, now = new Date()): Promise<DownloadResult> {
    // One transaction: find the document's tenant under the narrow document-id lookup, then act as that tenant.
    return this.db.transaction(DbScope.documentLookup(documentId, principal.user?.id ?? null), async (m) => {
      const orgId = await documentRepository.orgIdOf(m, documentId);
      if (!orgId) throw new NotFoundError('Document');
      let scope = scopeForOrg(principal, orgId);
      // A member downloads originals only if allowed to read documents (an API key needs a READ or PUBLISH scope);
      // otherwise it is treated like anyone else: public files only.
      const membership = principal.memberships.find((mb) => mb.orgId === orgId);
      if (scope.isMember && (!membership || !principalAllows(principal, membership, 'document.read'))) scope = TenantScope.forVisitor(orgId, principal.user?.id ?? null);
      // A user in several organizations says which one is asking (X-Org); a grant belongs to an organization.
      if (!scope.isMember && principal.user && !principal.active && principal.memberships.length > 1) activeScope(principal);
      const customer = scope.isMember ? null : principal.active;
      await this.db.actAs(m, scope.identity(customer?.orgId ?? null));
      const document = await documentRepository.findById(m, scope, documentId);
      const trustCenter = await trustCenterRepository.forScope(m, scope);
      if (!document || !trustCenter || !document.currentVersionId) throw new NotFoundError('Document');
      const restrictedPath = !scope.isMember && document.visibility === 'RESTRICTED';
      if (!scope.isMember) {
        if (trustCenter.status !== 'PUBLISHED' || document.visibility === 'PRIVATE') throw new NotFoundError('Document');
        if (restrictedPath) {
          // Without a customer organization holding a live grant, a restricted document does not exist for the caller.
          if (!principal.user || !customer) throw new NotFoundError('Document');
          if (!(await accessRepository.hasLiveGrant(m, scope, customer.orgId, document.id, now))) throw new NotFoundError('Document');
          const acceptances = await accessRepository.acceptancesFor(m, scope, customer.orgId);
          if (!AccessService.ndaOnFile(trustCenter, acceptances, principal.user.id)) {
            const template = trustCenter.currentNdaTemplateId ? await accessRepository.templateById(m, scope.orgId, trustCenter.currentNdaTemplateId) : null;
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
      const version = (await documentRepository.versionsByIds(m, scope.orgId, [document.currentVersionId]))[0];
      if (!version || version.status !== 'AVAILABLE') throw new NotFoundError('Document');

      const watermark = restrictedPath && version.contentType === 'application/pdf';
      let key = version.storageKey;
      let size = Number(version.sizeBytes);
      if (!watermark) {
        // The file must be there and storage reachable before a download is recorded: a URL that cannot work is not
        // a download (and a storage outage answers SERVICE_UNAVAILABLE, recording nothing).
        if (!(await this.storage.head(key))) throw new NotFoundError('Document');
      } else {
        // One derived file per recipient, version and day: the stamp names who received it and when.
        const date = todayUtc(now);
        const tag = createHash('sha256').update(`${principal.user!.id}|${customer!.orgId}|${date}`).digest('hex').slice(0, 32);
        key = objectKeys.watermarked(scope.orgId, version.id, tag);
        const existing = await this.storage.head(key);
        if (existing) size = existing.sizeBytes;
        else {
          const original = await this.storage.read(version.storageKey, this.maxBytes);
          if (!original) throw new NotFoundError('Document');
          let stamped: Uint8Array;
          try {
            stamped = await watermarkPdf(original, { email: principal.user!.email, organization: customer!.name, date });
          } catch (error) {
            // A restricted PDF's original never leaves through a customer's path: no stamp, no file.
            if (error instanceof WatermarkError) {
              return { download: null, errors: [{ code: 'CANNOT_WATERMARK' as const, field: null, message: `This file cannot be watermarked (${error.code}); ask the vendor for another copy.`, ndaVersion: null }] };
            }
            throw error;
          }
          await this.storage.put(key, stamped, 'application/pdf');
          size = stamped.byteLength;
        }
      }
      // Recorded in the same transaction as the checks; a storage failure above or below rolls it back.
      await m.insert(DownloadEventEntity, {
        orgId: scope.orgId, documentId: document.id, versionId: version.id, customerOrgId: customer?.orgId ?? null, customerOrgName: customer?.name ?? null,
        userId: principal.user?.id ?? null, userEmail: principal.user?.email ?? null, watermarked: watermark, ip: actor.ip, userAgent: actor.userAgent,
      });
      await auditLog.append(m, scope.orgId, {
        ...auditActor(actor), action: 'document.downloaded', targetType: 'document', targetId: document.id,
        details: { version: version.version, customer: customer?.name ?? null, watermarked: watermark, visibility: document.visibility },
      });
      const link = await this.storage.presignDownload(key, version.fileName, version.contentType, now);
      return {
        download: { url: link.url, expiresAt: link.expiresAt, fileName: version.fileName, contentType: version.contentType, sizeBytes: size, watermarked: watermark },
        errors: [],
      };
    });
  }
}
