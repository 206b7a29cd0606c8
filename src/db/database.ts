import type { DataSource, EntityManager } from 'typeorm';
import type { DbScope } from './db-scope';
import { currentQueryStats } from './query-stats';

/** Transactions whose reads are being tagged: whether each has run as one tenant yet. */
const tagging = new WeakMap<EntityManager, { tenant: boolean }>();

export class Database {
  constructor(readonly dataSource: DataSource) {}

  /**
   * One unit of work: BEGIN, set the identity with set_config(..., true), run, COMMIT (ROLLBACK on throw). Only a
   * DbScope is accepted: its named constructors are the identity shapes the row-level security policies were written for.
   */
  async transaction<T>(scope: DbScope, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const identity = scope.identity;
    return this.dataSource.transaction(async (manager) => {
      await manager.query(
        `SELECT set_config('app.org_id', $1, true), set_config('app.user_id', $2, true),
                set_config('app.subject', $3, true), set_config('app.org_slug', $4, true),
                set_config('app.customer_org_id', $5, true), set_config('app.document_id', $6, true),
                set_config('app.public_reads', $7, true), set_config('app.fanout_vendor_id', $8, true),
                set_config('app.system_sweep', $9, true), set_config('app.api_key_id', $10, true),
                set_config('app.visitor', $11, true), set_config('app.invitation_token_hash', $12, true)`,
        [identity.orgId ?? '', identity.userId ?? '', identity.subject ?? '', identity.orgSlug ?? '', identity.customerOrgId ?? '', identity.documentId ?? '', identity.publicReads ? 'on' : '',
          identity.fanoutVendorId ?? '', identity.systemSweep ? 'on' : '', identity.apiKeyId ?? '', identity.visitor ? 'on' : '', identity.invitationTokenHash ?? ''],
      );
      const tags = currentQueryStats()?.readTags;
      if (!tags) return work(manager);
      const state = { tenant: Boolean(identity.orgId) };
      if (identity.orgId) tags.add(identity.orgId);
      tagging.set(manager, state);
      const result = await work(manager);
      if (!state.tenant) tags.add('*');
      return result;
    });
  }

  /**
   * Within an open transaction, act as another identity from here on: a lookup under a narrow setting (a slug, an
   * API key id, a document id) that then works as the tenant it found, without a second round trip of BEGIN/COMMIT.
   * The narrow lookup settings are cleared; org, user, visitor and customer organization are set as given.
   */
  async actAs(manager: EntityManager, scope: DbScope): Promise<void> {
    const identity = scope.identity;
    await manager.query(
      `SELECT set_config('app.org_id', $1, true), set_config('app.user_id', $2, true), set_config('app.org_slug', '', true),
              set_config('app.visitor', $3, true), set_config('app.customer_org_id', $4, true), set_config('app.document_id', '', true),
              set_config('app.invitation_token_hash', '', true)`,
      [identity.orgId ?? '', identity.userId ?? '', identity.visitor ? 'on' : '', identity.customerOrgId ?? ''],
    );
    const state = tagging.get(manager);
    if (state && identity.orgId) {
      state.tenant = true;
      currentQueryStats()?.readTags?.add(identity.orgId);
    }
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
