import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * The twelve transaction-local settings the row-level security policies read, in the order `SET_IDENTITY` sets them.
 * An identity is compared and tracked as this array of strings ('' for unset), exactly what is sent.
 */
export type IdentityValues = readonly string[];

export const SET_IDENTITY = `SELECT set_config('app.org_id', $1, true), set_config('app.user_id', $2, true),
                set_config('app.subject', $3, true), set_config('app.org_slug', $4, true),
                set_config('app.customer_org_id', $5, true), set_config('app.document_id', $6, true),
                set_config('app.public_reads', $7, true), set_config('app.fanout_vendor_id', $8, true),
                set_config('app.system_sweep', $9, true), set_config('app.api_key_id', $10, true),
                set_config('app.visitor', $11, true), set_config('app.invitation_token_hash', $12, true)`;

/** Where `actAs` writes in IdentityValues: org, user, slug, visitor, customer, document, invitation. */
export const ACT_AS_POSITIONS = { orgId: 0, userId: 1, orgSlug: 3, customerOrgId: 4, documentId: 5, visitor: 10, invitationTokenHash: 11 } as const;

const sameIdentity = (a: IdentityValues | null, b: IdentityValues): boolean => a !== null && a.length === b.length && a.every((v, i) => v === b[i]);

/** A counting semaphore: at most `size` read sessions hold a pooled connection at once. */
export class SessionSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

/** The unit of work currently running on a session (for re-entrant calls from inside it). */
const running = new AsyncLocalStorage<{ session: ReadSession; active: boolean }>();

/**
 * One GraphQL query's reads (issue 16, item 1): every `Database.transaction` of the operation joins ONE read-only
 * transaction on one pooled connection, opened lazily by the first unit of work and committed when execution ends,
 * instead of BEGIN, set_config, work, COMMIT on a connection of its own each time.
 *
 * - The identity is still set per transaction with set_config(..., true), so nothing outlives the transaction on the
 *   pooled connection; a unit whose identity differs from the session's current one switches it with ONE set_config
 *   statement before its work (a page read as one visitor sends it once).
 * - Units run one at a time (a promise chain): DataLoader batches and sibling resolvers run concurrently, and an
 *   identity switch must not interleave with another unit's statements. A unit that calls `Database.transaction`
 *   again from inside its work runs re-entrantly (switch identity, run, switch back), never waiting on itself.
 * - A unit that throws ends the transaction (ROLLBACK; a failed statement has aborted it anyway) and gives the
 *   connection back; the next unit opens a fresh one. The error propagates as before.
 * - After `close()`, or when `close()` has begun, units run in transactions of their own (late work never leaks
 *   into a committed session).
 */
export class ReadSession {
  private runner: QueryRunner | null = null;
  private opening: Promise<QueryRunner> | null = null;
  private current: IdentityValues | null = null;
  private tail: Promise<void> = Promise.resolve();
  private closing = false;
  private onlyReads = false;
  /** Transactions this session opened (one unless a unit failed): for tests and the request log. */
  transactions = 0;

  /** `slots` null: sessions are off (a pool of one connection), every unit runs in a transaction of its own. */
  constructor(
    private readonly dataSource: DataSource,
    private readonly slots: SessionSlots | null,
  ) {}

  /**
   * A mutation's session: it keeps the reads the request began (authentication) for units that say they only read
   * (`Database.transaction(..., { read: true })`); any other unit ends it first (see Database.transaction).
   */
  keepForReads(): void {
    this.onlyReads = true;
  }

  /** Whether only units marked as reads may join (a mutation's session). */
  get takesOnlyReads(): boolean {
    return this.onlyReads;
  }

  /** Whether the caller runs inside one of this session's units (a nested `Database.transaction` joins it). */
  get insideUnit(): boolean {
    return this.nested();
  }

  /** Whether new units may join (false once closing, and always when sessions are off). */
  get accepting(): boolean {
    return this.slots !== null && !this.closing;
  }

  /** The session's manager, when `manager` is it (actAs then tracks the identity it sets). */
  owns(manager: EntityManager): boolean {
    return this.runner !== null && this.runner.manager === manager;
  }

  /** Records an identity switched inside a unit by `Database.actAs`. */
  switched(values: IdentityValues): void {
    this.current = values;
  }

  /** The identity in force (for actAs, which changes only some settings). */
  get identity(): IdentityValues | null {
    return this.current;
  }

  /** Whether the caller is inside one of this session's running units (a nested `Database.transaction`). */
  private nested(): boolean {
    const unit = running.getStore();
    return unit !== undefined && unit.session === this && unit.active;
  }

  async run<T>(values: IdentityValues, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.nested()) return this.runNested(values, work);
    const previous = this.tail;
    let done!: () => void;
    this.tail = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      return await this.runUnit(values, work);
    } finally {
      done();
    }
  }

  private async runUnit<T>(values: IdentityValues, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = await this.open();
    const unit = { session: this, active: true };
    try {
      await this.switchTo(runner, values);
      return await running.run(unit, () => work(runner.manager));
    } catch (error) {
      await this.end('ROLLBACK');
      throw error;
    } finally {
      unit.active = false;
    }
  }

  /** A unit inside a unit: same connection and transaction, its own identity for its duration. */
  private async runNested<T>(values: IdentityValues, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.runner;
    if (!runner) throw new Error('nested read unit without an open session');
    const outer = this.current;
    await this.switchTo(runner, values);
    let result: T;
    try {
      result = await work(runner.manager);
    } catch (error) {
      // Back to the outer unit's identity before it sees the error. If that fails, the transaction is aborted and
      // every further statement of the outer unit fails too: it never runs on as the nested identity.
      if (outer) await this.switchTo(runner, outer).catch(() => undefined);
      throw error;
    }
    if (outer) await this.switchTo(runner, outer);
    return result;
  }

  private async switchTo(runner: QueryRunner, values: IdentityValues): Promise<void> {
    if (sameIdentity(this.current, values)) return;
    await runner.query(SET_IDENTITY, [...values]);
    this.current = values;
  }

  private async open(): Promise<QueryRunner> {
    if (this.runner) return this.runner;
    const slots = this.slots;
    if (!slots) throw new Error('read sessions are off');
    this.opening ??= (async () => {
      await slots.acquire();
      const runner = this.dataSource.createQueryRunner('master');
      try {
        await runner.connect();
        await runner.query('START TRANSACTION READ ONLY');
      } catch (error) {
        await runner.release().catch(() => undefined);
        slots.release();
        throw error;
      }
      // TypeORM's own bookkeeping: a save() must not start a transaction of its own inside this one.
      const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
      state.isTransactionActive = true;
      state.transactionDepth = 1;
      this.transactions += 1;
      this.current = null;
      this.runner = runner;
      return runner;
    })().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  /**
   * COMMIT (or ROLLBACK) and give the connection back. Never throws: the reads are done whatever the end of a READ
   * ONLY transaction says; a connection that fails to end it is destroyed rather than pooled.
   */
  private async end(command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const runner = this.runner;
    if (!runner) return;
    this.runner = null;
    this.current = null;
    const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
    let failed: unknown = null;
    try {
      await runner.query(command);
    } catch (error) {
      failed = error;
    }
    state.isTransactionActive = false;
    state.transactionDepth = 0;
    try {
      // A connection whose transaction could not be ended must not go back to the pool in a transaction.
      if (failed) await (runner as unknown as { releasePostgresConnection(error: unknown): Promise<void> }).releasePostgresConnection(failed);
      else await runner.release();
    } finally {
      this.slots?.release();
    }
  }

  /**
   * Ends the session when the operation's execution has ended: waits for queued units, then COMMIT and release.
   * Idempotent; never throws.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.tail;
    await this.end('COMMIT');
  }
}
