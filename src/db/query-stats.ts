import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger, QueryRunner } from 'typeorm';
import type { ReadSession } from './read-session';

/**
 * Counts SQL statements per unit of work (a GraphQL request, a script step). Tests use it to prove that list queries
 * run a constant number of statements, and the server reports it per request outside production.
 */
export interface QueryStats {
  statements: number;
  /** Transactions among them (START TRANSACTION statements; a query operation's read session is one). */
  transactions?: number;
  /**
   * When set, the tenants this unit of work read as (each transaction's org), or `*` for a transaction that never ran
   * as one tenant: what a cached response must be dropped on (src/http/public-cache.ts).
   */
  readTags?: Set<string>;
  /**
   * Set for a GraphQL query operation (readSessionPlugin, src/http/apollo.ts): the one read-only transaction its
   * `Database.transaction` units join (src/db/read-session.ts), ended when execution ends.
   */
  readSession?: ReadSession;
}

const storage = new AsyncLocalStorage<QueryStats>();

export function withQueryStats<T>(stats: QueryStats, fn: () => T): T {
  return storage.run(stats, fn);
}

export function currentQueryStats(): QueryStats | undefined {
  return storage.getStore();
}

export type LogSink = (level: 'debug' | 'warn', message: string, data?: Record<string, unknown>) => void;

export class CountingLogger implements Logger {
  constructor(private readonly sink: LogSink = () => undefined) {}

  logQuery(query: string, _parameters?: unknown[], _queryRunner?: QueryRunner): void {
    const stats = storage.getStore();
    if (!stats) return;
    stats.statements += 1;
    if (query.startsWith('START TRANSACTION')) stats.transactions = (stats.transactions ?? 0) + 1;
  }

  logQueryError(error: string | Error, query: string): void {
    this.sink('debug', 'query failed', { error: error instanceof Error ? error.message : error, query: query.slice(0, 500) });
  }

  logQuerySlow(time: number, query: string): void {
    this.sink('warn', 'slow query', { ms: time, query: query.slice(0, 500) });
  }

  logSchemaBuild(message: string): void {
    this.sink('debug', message);
  }

  logMigration(message: string): void {
    this.sink('debug', message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    this.sink(level === 'warn' ? 'warn' : 'debug', String(message));
  }
}
