import type { AppConfig } from '../config/config';
import type { Database } from '../db/database';
import type { Principal } from '../modules/auth/principal';
import { createLoaders, type Loaders } from './loaders';

/** Everything a resolver may use for one request. Built fresh per request: loaders never outlive it. */
export interface RequestContext {
  requestId: string;
  principal: Principal;
  db: Database;
  config: AppConfig;
  loaders: Loaders;
  /** The clock, injectable so tests can evaluate "today" at a fixed date. */
  now: () => Date;
}

export function buildContext(input: Omit<RequestContext, 'loaders'>): RequestContext {
  return { ...input, loaders: createLoaders(input.db, input.principal) };
}
