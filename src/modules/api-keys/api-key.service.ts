import { randomUUID } from 'node:crypto';
import { API_KEY_SCOPES, newApiKey, type ApiKeyScope } from '../../domain/api-keys';
import type { Database } from '../../db/database';
import { auditActor, auditLog } from '../audit/audit.service';
import type { TenantScope } from '../auth/tenant-scope';
import { NotFoundError, isUuid, type Actor, type PayloadError } from '../common/errors';
import { ApiKeyEntity } from './api-key.entity';

export type ApiKeyErrorCode = 'INVALID_NAME' | 'INVALID_SCOPES' | 'INVALID_EXPIRY' | 'ALREADY_REVOKED';

const DAY_MS = 24 * 3600 * 1000;

/** Create, rotate and revoke organization API keys; every change is audited. The secret is returned once. */
export class ApiKeyService {
  constructor(private readonly db: Database) {}

  async create(scope: TenantScope, actor: Actor, input: { name: string; scopes: ApiKeyScope[]; expiresInDays?: number | null }, now = new Date()) {
    const none = { apiKey: null as ApiKeyEntity | null, secret: null as string | null };
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100) return { ...none, errors: [{ code: 'INVALID_NAME' as ApiKeyErrorCode, field: 'name', message: 'name is 1-100 characters.' }] };
    const scopes = [...new Set(input.scopes)];
    if (scopes.length === 0 || scopes.some((s) => !API_KEY_SCOPES.includes(s))) {
      return { ...none, errors: [{ code: 'INVALID_SCOPES' as ApiKeyErrorCode, field: 'scopes', message: `Give one or more of ${API_KEY_SCOPES.join(', ')}.` }] };
    }
    if (input.expiresInDays != null && (!Number.isInteger(input.expiresInDays) || input.expiresInDays < 1 || input.expiresInDays > 730)) {
      return { ...none, errors: [{ code: 'INVALID_EXPIRY' as ApiKeyErrorCode, field: 'expiresInDays', message: 'expiresInDays is 1 to 730 (omit for no expiry).' }] };
    }
    return this.db.transaction(scope.identity(), async (m) => {
      const id = randomUUID();
      const { token, secretHash } = newApiKey(id);
      const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null;
      await m.insert(ApiKeyEntity, { orgId: scope.orgId, id, name, secretHash, scopes, createdBy: scope.userId, expiresAt, rotatedFromId: null });
      await auditLog.append(m, scope.orgId, { ...auditActor(actor), action: 'api_key.created', targetType: 'api_key', targetId: id, details: { name, scopes, expiresAt: expiresAt?.toISOString() ?? null } });
      const apiKey = await m.getRepository(ApiKeyEntity).findOneOrFail({ where: { orgId: scope.orgId, id } });
      return { apiKey: apiKey as ApiKeyEntity | null, secret: token as string | null, errors: [] as PayloadError<ApiKeyErrorCode>[] };
    });
  }

  /** A new secret with the same name, scopes and expiry; the old key stops working at once. */
  async rotate(scope: TenantScope, actor: Actor, id: string) {
    return this.db.transaction(scope.identity(), async (m) => {
      const old = isUuid(id) ? await m.getRepository(ApiKeyEntity).createQueryBuilder('k').where('k.org_id = :o AND k.id = :id', { o: scope.orgId, id }).setLock('pessimistic_write').getOne() : null;
      if (!old) throw new NotFoundError('API key');
      if (old.revokedAt) return { apiKey: old as ApiKeyEntity | null, secret: null as string | null, errors: [{ code: 'ALREADY_REVOKED' as ApiKeyErrorCode, field: 'id', message: 'A revoked key cannot be rotated; create a new one.' }] };
      const newId = randomUUID();
      const { token, secretHash } = newApiKey(newId);
      await m.query(`UPDATE api_keys SET revoked_at = now() WHERE org_id = $1 AND id = $2`, [scope.orgId, id]);
      await m.insert(ApiKeyEntity, { orgId: scope.orgId, id: newId, name: old.name, secretHash, scopes: old.scopes, createdBy: scope.userId, expiresAt: old.expiresAt, rotatedFromId: id });
      await auditLog.append(m, scope.orgId, { ...auditActor(actor), action: 'api_key.rotated', targetType: 'api_key', targetId: newId, details: { name: old.name, replaces: id } });
      const apiKey = await m.getRepository(ApiKeyEntity).findOneOrFail({ where: { orgId: scope.orgId, id: newId } });
      return { apiKey: apiKey as ApiKeyEntity | null, secret: token as string | null, errors: [] as PayloadError<ApiKeyErrorCode>[] };
    });
  }

  async revoke(scope: TenantScope, actor: Actor, id: string) {
    return this.db.transaction(scope.identity(), async (m) => {
      const key = isUuid(id) ? await m.getRepository(ApiKeyEntity).findOne({ where: { orgId: scope.orgId, id } }) : null;
      if (!key) throw new NotFoundError('API key');
      if (key.revokedAt) return { apiKey: key as ApiKeyEntity | null, secret: null as string | null, errors: [{ code: 'ALREADY_REVOKED' as ApiKeyErrorCode, field: 'id', message: 'Already revoked.' }] };
      await m.query(`UPDATE api_keys SET revoked_at = now() WHERE org_id = $1 AND id = $2`, [scope.orgId, id]);
      await auditLog.append(m, scope.orgId, { ...auditActor(actor), action: 'api_key.revoked', targetType: 'api_key', targetId: id, details: { name: key.name } });
      return { apiKey: (await m.getRepository(ApiKeyEntity).findOne({ where: { orgId: scope.orgId, id } })) as ApiKeyEntity | null, secret: null as string | null, errors: [] as PayloadError<ApiKeyErrorCode>[] };
    });
  }

  async list(scope: TenantScope): Promise<ApiKeyEntity[]> {
    return this.db.transaction(scope.identity(), (m) => m.getRepository(ApiKeyEntity).find({ where: { orgId: scope.orgId }, order: { createdAt: 'DESC' } }));
  }
}
