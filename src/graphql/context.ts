import type { AppConfig } from '../config/config';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import type { Principal } from '../modules/auth/principal';
import type { Actor } from '../modules/common/errors';
import type { Storage } from '../modules/storage/storage';
import { createLoaders, type Loaders } from './loaders';

/** Everything a resolver may use for one request. Built fresh per request: loaders never outlive it. */
export interface RequestContext {
  requestId: string;
  principal: Principal;
  db: Database;
  storage: Storage;
  /** The process's logger (one per process, not per request). */
  logger: Logger;
  config: AppConfig;
  /** The caller's network facts, for audit events and NDA acceptances. */
  client: { ip: string | null; userAgent: string | null };
  loaders: Loaders;
  /** The clock, injectable so tests can evaluate "today" at a fixed date. */
  now: () => Date;
}

/** The actor of this request, for audit events: the user, the org it acts for, and where the request came from. */
export function actorOf(ctx: RequestContext): Actor {
  const { user, active, apiKey } = ctx.principal;
  const email = user?.email ?? (apiKey ? `api-key:${apiKey.name} (${apiKey.id})` : null);
  return { userId: user?.id ?? null, email, orgId: active?.orgId ?? null, ip: ctx.client.ip, userAgent: ctx.client.userAgent };
}

export function buildContext(input: Omit<RequestContext, 'loaders'>): RequestContext {
  return { ...input, loaders: createLoaders(input.db, input.principal, input.now) };
}
