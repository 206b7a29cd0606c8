import type { DataSource, EntityManager } from 'typeorm';
import type { DbScope } from './db-scope';
import { currentQueryStats } from './query-stats';
import { ACT_AS_POSITIONS, ReadSession, SessionSlots, SET_IDENTITY, type IdentityValues } from './read-session';

/** Transactions whose reads are being tagged: whether each has run as one tenant yet. */
const tagging = new WeakMap<EntityManager, { tenant: boolean }>();

/** A scope's settings as sent to set_config, in SET_IDENTITY's order ('' for unset). */
function identityValues(scope: DbScope): IdentityValues {
  const identity = scope.identity;
  return [identity.orgId ?? '', identity.userId ?? '', identity.subject ?? '', identity.orgSlug ?? '', identity.customerOrgId ?? '', identity.documentId ?? '', identity.publicReads ? 'on' : '',
    identity.fanoutVendorId ?? '', identity.systemSweep ? 'on' : '', identity.apiKeyId ?? '', identity.visitor ? 'on' : '', identity.invitationTokenHash ?? ''];
}

export interface TransactionOptions {
  /**
   * A transaction of its own even inside a GraphQL query's read session: for work that writes (the session is READ
   * ONLY), or that must commit whatever the rest of the request does. Say why at the call site.
   */
  own?: boolean;
  /**
   * The unit only reads. In a mutation whose field is marked `readsFirst` (readSessionPlugin), such a unit joins the
   * read transaction the request began for authentication instead of opening one of its own; call `endReads()` once
   * the reads are done, before slow work outside the database.
   */
  read?: boolean;
}

export class Database {
  /**
   * Read sessions holding a pooled connection at once: one connection always stays for transactions of their own (a
   * write on a query's path waits for it, never for a session that waits for that write). With a pool of one
   * connection (DB_POOL_MAX=1) there is none to spare: sessions are off, every unit has its own transaction.
   */
  private readonly slots: SessionSlots | null;

  constructor(readonly dataSource: DataSource) {
    const poolMax = Number((dataSource.options as { extra?: { max?: number } }).extra?.max ?? 10);
    this.slots = poolMax > 1 ? new SessionSlots(poolMax - 1) : null;
  }

  /**
   * One unit of work: BEGIN, set the identity with set_config(..., true), run, COMMIT (ROLLBACK on throw). Only a
   * DbScope is accepted: its named constructors are the identity shapes the row-level security policies were written for.
   *
   * Inside a GraphQL query (the request's QueryStats carries a read session, see readSessionPlugin in
   * src/http/apollo.ts) the unit joins the request's one READ ONLY transaction instead (src/db/read-session.ts): the
   * identity is switched with one set_config statement when it differs from the one in force, and the transaction
   * ends when execution does. `{ own: true }` opts out (a write inside a query).
   */
  async transaction<T>(scope: DbScope, work: (manager: EntityManager) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const values = identityValues(scope);
    const session = currentQueryStats()?.readSession;
    if (session?.accepting && !options.own) {
      if (!session.takesOnlyReads || options.read || session.insideUnit) return session.run(values, (manager) => this.tagged(scope, manager, work));
      // A mutation's unit that may write: the reads are over (COMMIT); it runs in a transaction of its own.
      await this.endReads();
    }
    return this.dataSource.transaction(async (manager) => {
      await manager.query(SET_IDENTITY, [...values]);
      return this.tagged(scope, manager, work);
    });
  }

  /** Runs a unit, recording (when the request tags its reads) the tenant it read as, or `*` if it never ran as one. */
  private async tagged<T>(scope: DbScope, manager: EntityManager, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const tags = currentQueryStats()?.readTags;
    if (!tags) return work(manager);
    const orgId = scope.identity.orgId;
    const state = { tenant: Boolean(orgId) };
    if (orgId) tags.add(orgId);
    // A unit nested in another one on the same (session) manager has its own state; the outer one's comes back after.
    const outer = tagging.get(manager);
    tagging.set(manager, state);
    try {
      const result = await work(manager);
      if (!state.tenant) tags.add('*');
      return result;
    } finally {
      if (outer) tagging.set(manager, outer);
      else tagging.delete(manager);
    }
  }

  /**
   * Ends the request's read session now (COMMIT, connection back to the pool): later units run in transactions of their
   * own. A mutation that read in the session calls this before storage or CPU work, so no transaction waits on it.
   */
  async endReads(): Promise<void> {
    const stats = currentQueryStats();
    const session = stats?.readSession;
    if (!stats || !session) return;
    stats.readSession = undefined;
    await session.close();
  }

  /** A read session for one GraphQL query operation (opened lazily by its first unit; see src/db/read-session.ts). */
  readSession(): ReadSession {
    return new ReadSession(this.dataSource, this.slots);
  }

  /**
   * Authentication's known-user lookup, acting as `DbScope.user(<the id it finds>)` from inside its own statement: the
   * lookup (under `DbScope.tokenSubject`, where every other act-as setting is empty) adds the given expression to its
   * select list, which sets app.user_id to the row's `id` column, the one setting `actAs(DbScope.user(id))` would
   * change. The memberships read that follows needs no set_config round trip of its own. No row: nothing changes.
   */
  async lookupActingAsUser<R extends { id: string }>(manager: EntityManager, lookup: (setUserId: string) => Promise<R | null>): Promise<R | null> {
    const session = currentQueryStats()?.readSession;
    const current = session?.owns(manager) ? session.identity : null;
    if (current) {
      const positions = [ACT_AS_POSITIONS.orgId, ACT_AS_POSITIONS.userId, ACT_AS_POSITIONS.orgSlug, ACT_AS_POSITIONS.visitor, ACT_AS_POSITIONS.customerOrgId, ACT_AS_POSITIONS.documentId, ACT_AS_POSITIONS.invitationTokenHash];
      if (positions.some((p) => current[p] !== '')) throw new Error('lookupActingAsUser: runs under DbScope.tokenSubject only');
    }
    const row = await lookup(`set_config('app.user_id', id::text, true)`);
    if (row && session && current) {
      const next = [...current];
      next[ACT_AS_POSITIONS.userId] = row.id;
      session.switched(next);
    }
    return row;
  }

  /**
   * Within an open transaction, act as another identity from here on: a lookup under a narrow setting (a slug, an
   * API key id, a document id) that then works as the tenant it found, without a second round trip of BEGIN/COMMIT.
   * The narrow lookup settings are cleared; org, user, visitor and customer organization are set as given.
   */
  async actAs(manager: EntityManager, scope: DbScope): Promise<void> {
    const identity = scope.identity;
    const session = currentQueryStats()?.readSession;
    const current = session?.owns(manager) ? session.identity : null;
    if (session && current) {
      // In a read session the identity in force is tracked: set all twelve settings (the others as they are).
      const next = [...current];
      next[ACT_AS_POSITIONS.orgId] = identity.orgId ?? '';
      next[ACT_AS_POSITIONS.userId] = identity.userId ?? '';
      next[ACT_AS_POSITIONS.orgSlug] = '';
      next[ACT_AS_POSITIONS.visitor] = identity.visitor ? 'on' : '';
      next[ACT_AS_POSITIONS.customerOrgId] = identity.customerOrgId ?? '';
      next[ACT_AS_POSITIONS.documentId] = '';
      next[ACT_AS_POSITIONS.invitationTokenHash] = '';
      if (next.some((v, i) => v !== current[i])) {
        await manager.query(SET_IDENTITY, next);
        session.switched(next);
      }
    } else {
      await manager.query(
        `SELECT set_config('app.org_id', $1, true), set_config('app.user_id', $2, true), set_config('app.org_slug', '', true),
                set_config('app.visitor', $3, true), set_config('app.customer_org_id', $4, true), set_config('app.document_id', '', true),
                set_config('app.invitation_token_hash', '', true)`,
        [identity.orgId ?? '', identity.userId ?? '', identity.visitor ? 'on' : '', identity.customerOrgId ?? ''],
      );
    }
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
