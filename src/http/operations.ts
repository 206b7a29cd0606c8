import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { ConfigError } from '../config/config';
import type { Database } from '../db/database';

/**
 * Persisted operations: automatic persisted queries (APQ) stored in PostgreSQL so that every process knows a hash
 * any process has seen, and an optional mode that runs only the operations of a manifest.
 */
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

const HASH = /^[0-9a-f]{64}$/;

export interface RegisteredOperation {
  id: string;
  name: string | null;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

/**
 * Reads a manifest in Apollo's persisted-query manifest format
 * (`{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id","name","type","body"}]}`), where each
 * id is the sha256 of its body; refuses the file with the reason when it is not exactly that.
 */
export function loadManifest(file: string): Map<string, RegisteredOperation> {
  const fail = (why: string): never => {
    throw new ConfigError('GRAPHQL_OPERATIONS_MANIFEST', `${file}: ${why}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const m = parsed as { format?: unknown; version?: unknown; operations?: unknown };
  if (m?.format !== 'apollo-persisted-query-manifest' || m.version !== 1) fail('expected format "apollo-persisted-query-manifest", version 1');
  if (!Array.isArray(m.operations)) return fail('"operations" must be an array');
  const operations = new Map<string, RegisteredOperation>();
  m.operations.forEach((raw: unknown, i: number) => {
    const op = raw as Partial<RegisteredOperation>;
    if (typeof op?.body !== 'string' || op.body.length === 0) fail(`operations[${i}]: "body" must be the operation's text`);
    if (typeof op.id !== 'string' || !HASH.test(op.id)) fail(`operations[${i}]: "id" must be a lowercase hex sha256`);
    if (sha256Hex(op.body!) !== op.id) fail(`operations[${i}] (${op.name ?? 'unnamed'}): "id" is not the sha256 of "body"`);
    const type = op.type ?? 'query';
    if (!['query', 'mutation', 'subscription'].includes(type)) fail(`operations[${i}]: "type" must be query, mutation or subscription`);
    operations.set(op.id!, { id: op.id!, name: typeof op.name === 'string' ? op.name : null, type, body: op.body! });
  });
  if (operations.size === 0) fail('lists no operations');
  return operations;
}

/**
 * Apollo's APQ cache (keys arrive as `apq:<sha256>`), backed by the persisted_queries table. Entries are
 * content-addressed, so the per-process map in front of PostgreSQL can never be stale; it is bounded, oldest out.
 * In registered mode it answers from the manifest only and stores nothing.
 */
export class PersistedQueryStore implements KeyValueCache<string> {
  private readonly local = new Map<string, string>();

  constructor(
    private readonly db: Database,
    private readonly manifest: Map<string, RegisteredOperation> | null,
    private readonly maxLocal = 5000,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const hash = key.startsWith('apq:') ? key.slice(4) : key;
    if (!HASH.test(hash)) return undefined;
    if (this.manifest) return this.manifest.get(hash)?.body;
    const known = this.local.get(hash);
    if (known !== undefined) return known;
    const rows: { query: string }[] = await this.db.dataSource.query(`SELECT query FROM persisted_queries WHERE sha256 = $1`, [hash]);
    if (rows.length === 0) return undefined;
    this.remember(hash, rows[0]!.query);
    return rows[0]!.query;
  }

  async set(key: string, value: string): Promise<void> {
    const hash = key.startsWith('apq:') ? key.slice(4) : key;
    if (this.manifest || !HASH.test(hash) || sha256Hex(value) !== hash) return;
    if (this.local.has(hash)) return;
    await this.db.dataSource.query(`INSERT INTO persisted_queries (sha256, query) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING`, [hash, value]);
    this.remember(hash, value);
  }

  async delete(): Promise<boolean> {
    return false; // content-addressed: nothing ever needs to go
  }

  private remember(hash: string, query: string): void {
    this.local.set(hash, query);
    if (this.local.size > this.maxLocal) this.local.delete(this.local.keys().next().value as string);
  }
}

/** What a request asks to run: its text and/or the hash of a persisted one. */
export function requestedOperation(method: string, url: URL, body: unknown): { query: string | null; hash: string | null } {
  let query: unknown;
  let extensions: unknown;
  if (method === 'GET') {
    query = url.searchParams.get('query');
    const raw = url.searchParams.get('extensions');
    try {
      extensions = raw ? JSON.parse(raw) : undefined;
    } catch {
      extensions = undefined;
    }
  } else if (body && typeof body === 'object') {
    ({ query, extensions } = body as { query?: unknown; extensions?: unknown });
  }
  const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
  return { query: typeof query === 'string' && query.length > 0 ? query : null, hash: typeof hash === 'string' ? hash : null };
}

/** Registered mode: the operation must be in the manifest, named by hash or sent as its exact text. */
export function isRegistered(manifest: Map<string, RegisteredOperation>, op: { query: string | null; hash: string | null }): boolean {
  if (op.hash) return manifest.has(op.hash) && (op.query === null || sha256Hex(op.query) === op.hash);
  return op.query !== null && manifest.has(sha256Hex(op.query));
}
