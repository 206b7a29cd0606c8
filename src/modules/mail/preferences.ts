import type { EntityManager } from 'typeorm';
import type { Database } from '../../db/database';
import type { VendorEventType } from '../../jobs/events';
import type { TenantScope } from '../auth/tenant-scope';
import type { PayloadError } from '../common/errors';
import { ALERT_CATEGORIES, DELIVERY_MODES, type AlertCategory, type DeliveryMode } from './alerts.entity';

/**
 * Without a stored choice: a report going EXPIRING_SOON or STALE can change a buyer's compliance status today, so it
 * is mailed at once; new reports and subprocessor changes are routine and wait for the daily digest.
 */
export const DEFAULT_MODES: Readonly<Record<AlertCategory, DeliveryMode>> = {
  FRESHNESS: 'IMMEDIATE',
  NEW_REPORT: 'DAILY_DIGEST',
  SUBPROCESSORS: 'DAILY_DIGEST',
};

/** Which vendor events a buyer's members can be mailed about; the others reach the in-app feed and webhooks only. */
export function alertCategoryOf(type: VendorEventType | string): AlertCategory | null {
  switch (type) {
    case 'attestation.expiring_soon':
    case 'attestation.stale':
      return 'FRESHNESS';
    case 'attestation.published':
      return 'NEW_REPORT';
    case 'subprocessors.changed':
      return 'SUBPROCESSORS';
    default:
      return null;
  }
}

export interface MailPreferenceRow {
  category: AlertCategory;
  mode: DeliveryMode;
  /** No stored choice: the category's default applies. */
  isDefault: boolean;
  updatedAt: Date | null;
}

export type MailPreferenceErrorCode = 'NO_CHANGES' | 'DUPLICATE_CATEGORY';

/** The only SQL for mail preferences. Every statement names the scope's org (RLS repeats it). */
export const preferencesRepository = {
  async forUser(m: EntityManager, scope: TenantScope, userId: string): Promise<MailPreferenceRow[]> {
    const rows: { category: AlertCategory; mode: DeliveryMode; updated_at: Date }[] = await m.query(
      `SELECT category, mode, updated_at FROM mail_preferences WHERE org_id = $1 AND user_id = $2`, [scope.orgId, userId]);
    const stored = new Map(rows.map((r) => [r.category, r]));
    return ALERT_CATEGORIES.map((category) => {
      const row = stored.get(category);
      return row ? { category, mode: row.mode, isDefault: false, updatedAt: row.updated_at } : { category, mode: DEFAULT_MODES[category], isDefault: true, updatedAt: null };
    });
  },

  async set(m: EntityManager, scope: TenantScope, userId: string, category: AlertCategory, mode: DeliveryMode, now: Date): Promise<void> {
    await m.query(
      `INSERT INTO mail_preferences (org_id, user_id, category, mode, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (org_id, user_id, category) DO UPDATE SET mode = EXCLUDED.mode, updated_at = EXCLUDED.updated_at`,
      [scope.orgId, userId, category, mode, now]);
  },

  /** The org's members with an address, and each one's mode for `category` (stored or default). */
  async recipients(m: EntityManager, scope: TenantScope, category: AlertCategory): Promise<{ userId: string; email: string; mode: DeliveryMode }[]> {
    const rows: { user_id: string; email: string; mode: DeliveryMode }[] = await m.query(
      `SELECT ms.user_id, u.email, coalesce(p.mode, $3) AS mode
       FROM memberships ms JOIN users u ON u.id = ms.user_id
       LEFT JOIN mail_preferences p ON p.org_id = ms.org_id AND p.user_id = ms.user_id AND p.category = $2
       WHERE ms.org_id = $1 ORDER BY ms.user_id`,
      [scope.orgId, category, DEFAULT_MODES[category]]);
    return rows.map((r) => ({ userId: r.user_id, email: r.email, mode: r.mode }));
  },
};

/** The signed-in member's alert preferences in their active organization. */
export class MailPreferencesService {
  constructor(private readonly db: Database) {}

  async get(scope: TenantScope, userId: string): Promise<MailPreferenceRow[]> {
    return this.db.transaction(scope.identity(), (m) => preferencesRepository.forUser(m, scope, userId));
  }

  /** Sets the listed categories (the others keep theirs); every category at most once, at least one. */
  async update(scope: TenantScope, userId: string, changes: readonly { category: AlertCategory; mode: DeliveryMode }[], now = new Date()): Promise<{ preferences: MailPreferenceRow[] | null; errors: PayloadError<MailPreferenceErrorCode>[] }> {
    if (changes.length === 0) return { preferences: null, errors: [{ code: 'NO_CHANGES', field: 'preferences', message: `Name at least one category to change (${ALERT_CATEGORIES.join(', ')}).` }] };
    const seen = new Set<AlertCategory>();
    for (const change of changes) {
      // GraphQL's enums already refuse unknown values; this guards callers that are not the resolver.
      if (!ALERT_CATEGORIES.includes(change.category) || !DELIVERY_MODES.includes(change.mode)) throw new Error(`unknown category or mode: ${change.category}/${change.mode}`);
      if (seen.has(change.category)) return { preferences: null, errors: [{ code: 'DUPLICATE_CATEGORY', field: 'preferences', message: `${change.category} is listed twice; name each category once.` }] };
      seen.add(change.category);
    }
    const preferences = await this.db.transaction(scope.identity(), async (m) => {
      for (const change of changes) await preferencesRepository.set(m, scope, userId, change.category, change.mode, now);
      return preferencesRepository.forUser(m, scope, userId);
    });
    return { preferences, errors: [] };
  }
}
