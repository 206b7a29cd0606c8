import type { EntityManager } from 'typeorm';
import type { ApiKeyScope } from '../../domain/api-keys';
import type { TenantScope } from '../auth/tenant-scope';
import { isUuid } from '../common/errors';
import { ApiKeyEntity } from './api-key.entity';

/** What authentication needs of the key a bearer token names, before its tenant is known. */
export interface ApiKeyCredential {
  orgId: string;
  name: string;
  secretHash: string;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export const apiKeyRepository = {
  async findById(m: EntityManager, scope: TenantScope, id: string, lock = false): Promise<ApiKeyEntity | null> {
    if (!isUuid(id)) return null;
    const qb = m.getRepository(ApiKeyEntity).createQueryBuilder('k').where('k.org_id = :orgId AND k.id = :id', { orgId: scope.orgId, id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  },

  async list(m: EntityManager, scope: TenantScope): Promise<ApiKeyEntity[]> {
    return m.getRepository(ApiKeyEntity).find({ where: { orgId: scope.orgId }, order: { createdAt: 'DESC' } });
  },

  async insert(m: EntityManager, scope: TenantScope, values: Omit<ApiKeyEntity, 'orgId' | 'createdAt' | 'lastUsedAt' | 'revokedAt'>): Promise<ApiKeyEntity> {
    await m.insert(ApiKeyEntity, { ...values, orgId: scope.orgId });
    return m.getRepository(ApiKeyEntity).findOneOrFail({ where: { orgId: scope.orgId, id: values.id } });
  },

  async revoke(m: EntityManager, scope: TenantScope, id: string): Promise<void> {
    await m.query(`UPDATE api_keys SET revoked_at = now() WHERE org_id = $1 AND id = $2`, [scope.orgId, id]);
  },

  /** Revokes, at once, the org's live API keys that this user created; returns their ids. */
  async revokeCreatedBy(m: EntityManager, scope: TenantScope, userId: string, now: Date): Promise<string[]> {
    // A CTE makes it a SELECT for the driver wrapper (a bare UPDATE ... RETURNING answers [rows, count]).
    const rows: { id: string }[] = await m.query(
      `WITH revoked AS (UPDATE api_keys SET revoked_at = $3 WHERE org_id = $1 AND created_by = $2 AND revoked_at IS NULL RETURNING id)
       SELECT id FROM revoked ORDER BY id`, [scope.orgId, userId, now]);
    return rows.map((r) => r.id);
  },

  /**
   * The key a bearer token names. Needs `app.api_key_id` set to the same id (DbScope.apiKeyLookup): RLS then shows that
   * one row whatever the tenant.
   */
  async credential(m: EntityManager, id: string): Promise<ApiKeyCredential | null> {
    const rows: { org_id: string; name: string; secret_hash: string; scopes: ApiKeyScope[]; expires_at: Date | null; revoked_at: Date | null; last_used_at: Date | null }[] =
      await m.query(`SELECT org_id, name, secret_hash, scopes, expires_at, revoked_at, last_used_at FROM api_keys WHERE id = $1`, [id]);
    const r = rows[0];
    return r ? { orgId: r.org_id, name: r.name, secretHash: r.secret_hash, scopes: r.scopes, expiresAt: r.expires_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at } : null;
  },

  /** "Last used", under the same narrow lookup as `credential`. */
  async touch(m: EntityManager, id: string, now: Date): Promise<void> {
    await m.query(`UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, [id, now]);
  },
};
