import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../config/config';
import type { Database } from '../db/database';
import type { QueryStats } from '../db/query-stats';
import { resolvePrincipal, type Principal } from '../modules/auth/principal';
import { clientIp, compileTrust } from './client-ip';
import { sharedPlugin } from './plugin';

/** What the stages of the GraphQL pipeline know about one request, made by its first hook. */
export interface GraphqlRequestState {
  /** SQL statements the request ran (reported outside production) and, for a cacheable read, the tenants it read. */
  stats: QueryStats;
  /** The client address (TRUST_PROXY decides which X-Forwarded-For hops count). */
  ip: string | null;
  started: bigint;
  /** For the request log line: the active organization's slug and the operation name, once known. */
  org: string | null;
  operation: string | null;
  /** Set when the response may be shared (an anonymous read): its key in the public cache. */
  cacheKey: string | null;
  /** The cache's generation when the request began: a store is refused if an invalidation came since. */
  generationAtStart: number;
  /** The caller, resolved once: by the idempotency stage when the request carries a key, else by the context. */
  principal: () => Promise<Principal>;
  /** The Idempotency-Key this request holds (claimed before execution, kept or released after). */
  idempotent: { orgId: string; key: string } | null;
  /** The deadline answered 503 before GraphQL finished. */
  timedOut: boolean;
  /** GraphQL's own answer, once the handler has it: the onSend stages (cache, idempotency) act on it only. */
  answered: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    graphql: GraphqlRequestState;
  }
}

/** The first stage: makes the request's state (client address, lazy principal). */
export const requestState = sharedPlugin(async (app: FastifyInstance, options: { db: Database; config: AppConfig }) => {
  const { db, config } = options;
  const trust = compileTrust(config.trustProxy);
  app.decorateRequest('graphql', null as unknown as GraphqlRequestState);
  app.addHook('onRequest', (request, _reply, done) => {
    let principal: Promise<Principal> | null = null;
    request.graphql = {
      stats: { statements: 0 },
      ip: clientIp(request.raw, trust),
      started: process.hrtime.bigint(),
      org: null,
      operation: null,
      cacheKey: null,
      generationAtStart: 0,
      principal: () => (principal ??= resolvePrincipal(db, config.jwt, { authorization: header(request.headers.authorization), xOrg: header(request.headers['x-org']) })),
      idempotent: null,
      timedOut: false,
      answered: false,
    };
    done();
  });
});

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);
