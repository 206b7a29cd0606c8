import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database';
import type { Storage } from '../modules/storage/storage';
import { sendJson } from './reply';

/** Ready when PostgreSQL and object storage both answer within 2 s. */
export async function readiness(db: Database, storage: Storage): Promise<{ ready: boolean; postgres: string; storage: string }> {
  const within = <T>(p: Promise<T>): Promise<T> => Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
  const [pgCheck, s3Check] = await Promise.allSettled([within(db.dataSource.query('SELECT 1')), within(storage.ping())]);
  const state = (r: PromiseSettledResult<unknown>): string => (r.status === 'fulfilled' ? 'ok' : `unavailable: ${r.reason instanceof Error ? r.reason.message.slice(0, 200) : 'error'}`);
  return { ready: pgCheck.status === 'fulfilled' && s3Check.status === 'fulfilled', postgres: state(pgCheck), storage: state(s3Check) };
}

/** /healthz: the process answers. /readyz: its dependencies do too (503 with each one's state when not). Any method. */
export async function healthRoutes(app: FastifyInstance, options: { db: Database; storage: Storage }): Promise<void> {
  app.all('/healthz', async (_request, reply) => sendJson(reply, 200, { status: 'ok' }));
  app.all('/readyz', async (_request, reply) => {
    const checks = await readiness(options.db, options.storage);
    return sendJson(reply, checks.ready ? 200 : 503, checks);
  });
}
