import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { API_KEY_SCOPES, newApiKey, type ApiKeyScope } from '../../domain/api-keys';
import type { Database } from '../../db/database';
import { auditActor, auditLog } from '../audit/audit.service';
import type { TenantScope } from '../auth/tenant-scope';
import { NotFoundError, refusal, type Actor, type PayloadError } from '../common/errors';
import type { ApiKeyEntity } from './api-key.entity';
import { apiKeyRepository, type ApiKeyCredential } from './api-key.repository';

export type ApiKeyErrorCode = 'INVALID_NAME' | 'INVALID_SCOPES' | 'INVALID_EXPIRY' | 'ALREADY_REVOKED';

/** A key change: the key (unchanged when refused), its secret when one was just made, and why it was refused. */
export interface ApiKeyResult {
  apiKey: ApiKeyEntity | null;
  secret: string | null;
  errors: PayloadError<ApiKeyErrorCode>[];
}

const DAY_MS = 24 * 3600 * 1000;

const refused = (apiKey: ApiKeyEntity | null, error: PayloadError<ApiKeyErrorCode>): ApiKeyResult => ({ apiKey, secret: null, errors: [error] });

/** API keys inside another module's transaction (removing a member revokes the keys they created; authentication). */
export const apiKeys = {
  /** Revokes the org's live keys that `userId` created; returns their ids. */
  revokeCreatedBy: (m: EntityManager, scope: TenantScope, userId: string, now: Date): Promise<string[]> => apiKeyRepository.revokeCreatedBy(m, scope, userId, now),
  /** What authentication checks a presented key against (under DbScope.apiKeyLookup). */
  credential: (m: EntityManager, id: string): Promise<ApiKeyCredential | null> => apiKeyRepository.credential(m, id),
  /** Records the key's last use. */
  touch: (m: EntityManager, id: string, now: Date): Promise<void> => apiKeyRepository.touch(m, id, now),
};

/** Create, rotate and revoke organization API keys; every change is audited. The secret is returned once. */
export class ApiKeyService {
  constructor(private readonly db: Database) {}

  async create(scope: TenantScope, actor: Actor, input: { name: string; scopes: ApiKeyScope[]; expiresInDays?: number | null }, now = new Date()): Promise<ApiKeyResult> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100) return refused(null, refusal('INVALID_NAME', 'name', 'name is 1-100 characters.'));
    const scopes = [...new Set(input.scopes)];
    if (scopes.length === 0 || scopes.some((s) => !API_KEY_SCOPES.includes(s))) {
      return refused(null, refusal('INVALID_SCOPES', 'scopes', `Give one or more of ${API_KEY_SCOPES.join(', ')}.`));
    }
    if (input.expiresInDays != null && (!Number.isInteger(input.expiresInDays) || input.expiresInDays < 1 || input.expiresInDays > 730)) {
      return refused(null, refusal('INVALID_EXPIRY', 'expiresInDays', 'expiresInDays is 1 to 730 (omit for no expiry).'));
    }
    return this.db.transaction(scope.identity(), async (m) => {
      const id = randomUUID();
      const { token, secretHash } = newApiKey(id);
      const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null;
      const apiKey = await apiKeyRepository.insert(m, scope, { id, name, secretHash, scopes, createdBy: scope.userId, expiresAt, rotatedFromId: null });
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'api_key.created', targetType: 'api_key', targetId: id, details: { name, scopes, expiresAt: expiresAt?.toISOString() ?? null } });
      return { apiKey, secret: token, errors: [] };
    });
  }

  /** A new secret with the same name, scopes and expiry; the old key stops working at once. */
  async rotate(scope: TenantScope, actor: Actor, id: string): Promise<ApiKeyResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const old = await apiKeyRepository.findById(m, scope, id, true);
      if (!old) throw new NotFoundError('API key');
      if (old.revokedAt) return refused(old, refusal('ALREADY_REVOKED', 'id', 'A revoked key cannot be rotated; create a new one.'));
      const newId = randomUUID();
      const { token, secretHash } = newApiKey(newId);
      await apiKeyRepository.revoke(m, scope, id);
      const apiKey = await apiKeyRepository.insert(m, scope, { id: newId, name: old.name, secretHash, scopes: old.scopes, createdBy: scope.userId, expiresAt: old.expiresAt, rotatedFromId: id });
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'api_key.rotated', targetType: 'api_key', targetId: newId, details: { name: old.name, replaces: id } });
      return { apiKey, secret: token, errors: [] };
    });
  }

  async revoke(scope: TenantScope, actor: Actor, id: string): Promise<ApiKeyResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const key = await apiKeyRepository.findById(m, scope, id);
      if (!key) throw new NotFoundError('API key');
      if (key.revokedAt) return refused(key, refusal('ALREADY_REVOKED', 'id', 'Already revoked.'));
      await apiKeyRepository.revoke(m, scope, id);
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'api_key.revoked', targetType: 'api_key', targetId: id, details: { name: key.name } });
      return { apiKey: await apiKeyRepository.findById(m, scope, id), secret: null, errors: [] };
    });
  }

  async list(scope: TenantScope): Promise<ApiKeyEntity[]> {
    return this.db.transaction(scope.identity(), (m) => apiKeyRepository.list(m, scope));
  }
}
