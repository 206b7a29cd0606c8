import type { EntityManager } from 'typeorm';
import type { TenantScope } from '../auth/tenant-scope';

export type GuestPurpose = 'REQUEST' | 'SIGN_IN';

export interface GuestVerificationRow {
  orgId: string;
  id: string;
  purpose: GuestPurpose;
  email: string;
  name: string | null;
  company: string | null;
  reason: string | null;
  documentIds: string[];
  createdAt: Date;
  expiresAt: Date;
  consumedAt: Date | null;
}

type Raw = { org_id: string; id: string; purpose: GuestPurpose; email: string; name: string | null; company: string | null; reason: string | null; document_ids: string[]; created_at: Date; expires_at: Date; consumed_at: Date | null };
const toRow = (r: Raw): GuestVerificationRow => ({
  orgId: r.org_id, id: r.id, purpose: r.purpose, email: r.email, name: r.name, company: r.company, reason: r.reason, documentIds: r.document_ids,
  createdAt: r.created_at, expiresAt: r.expires_at, consumedAt: r.consumed_at,
});

/** The only SQL for guest verifications. Runs in a transaction the caller opened as the vendor's tenant (system identity). */
export const guestRepository = {
  async insert(m: EntityManager, scope: TenantScope, row: Omit<GuestVerificationRow, 'orgId' | 'id' | 'consumedAt'> & { tokenHash: string; ip: string | null }): Promise<string> {
    const inserted: { id: string }[] = await m.query(
      `INSERT INTO guest_verifications (org_id, purpose, email, name, company, reason, document_ids, token_hash, ip, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [scope.orgId, row.purpose, row.email, row.name, row.company, row.reason, row.documentIds, row.tokenHash, row.ip, row.createdAt, row.expiresAt],
    );
    return inserted[0]!.id;
  },

  /** Links sent to this address since `since` (the per-address throttle). */
  async sentSince(m: EntityManager, scope: TenantScope, email: string, since: Date): Promise<number> {
    const rows: { n: string }[] = await m.query(`SELECT count(*) AS n FROM guest_verifications WHERE org_id = $1 AND email = $2 AND created_at > $3`, [scope.orgId, email, since]);
    return Number(rows[0]!.n);
  },

  /** Drops links that expired before `before`: they can only ever answer "expired", and nothing else refers to them. */
  async purgeExpired(m: EntityManager, scope: TenantScope, before: Date): Promise<void> {
    await m.query(`DELETE FROM guest_verifications WHERE org_id = $1 AND expires_at < $2`, [scope.orgId, before]);
  },

  /** The link whose token hash matches, locked until the transaction ends (two clicks at once: one consumes it). */
  async lockByHash(m: EntityManager, scope: TenantScope, tokenHash: string): Promise<GuestVerificationRow | null> {
    const rows: Raw[] = await m.query(
      `SELECT org_id, id, purpose, email, name, company, reason, document_ids, created_at, expires_at, consumed_at
       FROM guest_verifications WHERE org_id = $1 AND token_hash = $2 FOR UPDATE`, [scope.orgId, tokenHash]);
    return rows[0] ? toRow(rows[0]) : null;
  },

  async consume(m: EntityManager, scope: TenantScope, id: string, at: Date): Promise<void> {
    await m.query(`UPDATE guest_verifications SET consumed_at = $3 WHERE org_id = $1 AND id = $2`, [scope.orgId, id, at]);
  },
};
