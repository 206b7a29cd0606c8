import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger';

/**
 * Server-side cache of anonymous GraphQL GET responses (the public trust-center page), shared by nothing: each process
 * keeps its own, and PostgreSQL tells every process what to drop.
 *
 * Correctness rests on three rules:
 * - Tags. Each entry is tagged with the organizations whose rows the request read (the tenant each transaction ran
 *   as). A transaction that never ran as one tenant (a slug that matched nothing, say) tags the entry `*`.
 * - Invalidation. Triggers on every table the public page reads NOTIFY `tp_public_change` with the organization id
 *   after commit (migration PublicCache1795708000000); the listener drops that organization's entries and every `*`
 *   entry. A response computed while any invalidation arrived is not stored (it may have read the old rows).
 * - No listener, no cache. Until LISTEN is established, and again after its connection drops, nothing is served from
 *   or stored in the cache; on (re)connect everything is dropped, since notifications may have been missed.
 * The key holds the UTC date, because freshness is computed for "today". Entries also expire after `ttlSeconds`
 * as a bound should a table ever change without a trigger.
 */
export interface CachedResponse {
  body: string;
  etag: string;
  contentType: string;
  /** The operation name, for the request log line (a hit does not parse the URL's parameters again). */
  operation?: string | null;
}

interface Entry extends CachedResponse {
  /** The body as bytes and the 200 response's headers, computed once when stored (hits only copy them out). */
  bytes_: Buffer;
  headers: Record<string, string | number>;
  key: string;
  tags: string[];
  expiresAt: number;
  bytes: number;
}

export const PUBLIC_CHANGE_CHANNEL = 'tp_public_change';
export const ANY_TENANT = '*';
const MAX_TRACKED_TENANTS = 100_000;

export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

export class PublicResponseCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byTag = new Map<string, Set<string>>();
  private bytes = 0;
  /** Bumped by every invalidation; a response computed across a bump of one of its tags is not stored. */
  private generation = 0;
  /** The generation at which each tenant was last invalidated (bounded: past the cap, `floor` stands in for all). */
  private readonly lastInvalidated = new Map<string, number>();
  private floor = 0;
  private live = false;
  readonly stats = { hits: 0, misses: 0, stores: 0, skippedStores: 0, invalidations: 0 };

  constructor(private readonly options: { maxEntries: number; maxBytes: number; ttlSeconds: number; clock?: () => number }) {}

  get enabled(): boolean {
    return this.live && this.options.maxEntries > 0;
  }

  /** The listener reports whether notifications are flowing; any change of state drops everything. */
  setLive(live: boolean): void {
    this.live = live;
    this.clear();
  }

  currentGeneration(): number {
    return this.generation;
  }

  get(key: string): (CachedResponse & { bytes_: Buffer; headers: Record<string, string | number> }) | undefined {
    if (!this.enabled) return undefined;
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.remove(entry);
      this.stats.misses += 1;
      return undefined;
    }
    // Least recently used goes first: re-insert on each hit.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.stats.hits += 1;
    return entry;
  }

  /** Stores unless an invalidation arrived since `generationAtStart` (the response may reflect rows now changed). */
  set(key: string, response: CachedResponse, tags: string[], generationAtStart: number, headers: Record<string, string> = {}): boolean {
    if (!this.enabled || tags.length === 0 || this.invalidatedSince(tags, generationAtStart)) {
      this.stats.skippedStores += 1;
      return false;
    }
    const bytes = Buffer.byteLength(response.body) + key.length;
    if (bytes > this.options.maxBytes / 4) {
      this.stats.skippedStores += 1;
      return false;
    }
    const old = this.entries.get(key);
    if (old) this.remove(old);
    const body = Buffer.from(response.body);
    const entry: Entry = {
      ...response, key, tags, bytes, expiresAt: this.now() + this.options.ttlSeconds * 1000, bytes_: body,
      headers: { 'content-type': response.contentType, 'content-length': body.byteLength, 'x-cache': 'hit', ...headers },
    };
    this.entries.set(key, entry);
    this.bytes += bytes;
    for (const tag of tags) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    while (this.entries.size > this.options.maxEntries || this.bytes > this.options.maxBytes) {
      const oldest = this.entries.values().next().value as Entry;
      this.remove(oldest);
    }
    this.stats.stores += 1;
    return true;
  }

  /** An organization's public rows changed: drop what read them, and what could not say what it read. */
  invalidate(orgId: string): void {
    this.generation += 1;
    this.stats.invalidations += 1;
    this.lastInvalidated.delete(orgId);
    this.lastInvalidated.set(orgId, this.generation);
    if (this.lastInvalidated.size > MAX_TRACKED_TENANTS) {
      this.floor = this.generation;
      this.lastInvalidated.clear();
    }
    for (const tag of [orgId, ANY_TENANT]) {
      const keys = this.byTag.get(tag);
      if (!keys) continue;
      for (const key of [...keys]) {
        const entry = this.entries.get(key);
        if (entry) this.remove(entry);
      }
    }
  }

  clear(): void {
    this.generation += 1;
    this.floor = this.generation;
    this.lastInvalidated.clear();
    this.entries.clear();
    this.byTag.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether any row the response read may have changed while it was computed (`*` read anything: any change counts). */
  private invalidatedSince(tags: string[], generationAtStart: number): boolean {
    if (this.floor > generationAtStart) return true;
    if (tags.includes(ANY_TENANT)) return this.generation > generationAtStart;
    return tags.some((tag) => (this.lastInvalidated.get(tag) ?? 0) > generationAtStart);
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.key);
    this.bytes -= entry.bytes;
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(entry.key);
      if (keys && keys.size === 0) this.byTag.delete(tag);
    }
  }

  private now(): number {
    return this.options.clock ? this.options.clock() : Date.now();
  }
}

/**
 * Holds one PostgreSQL connection in LISTEN and feeds the cache; reconnects with backoff. While it is down the cache
 * is off (see above), so a lost connection costs speed, never correctness.
 */
export class PublicChangeListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;

  constructor(
    private readonly connectionString: string,
    private readonly cache: PublicResponseCache,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'trust-portal-cache-listener' });
    client.on('notification', (message) => {
      if (message.channel === PUBLIC_CHANGE_CHANNEL && message.payload) this.cache.invalidate(message.payload);
    });
    const lost = (reason: string): void => {
      if (this.client !== client) return;
      this.client = null;
      this.cache.setLive(false);
      client.removeAllListeners('end');
      client.end().catch(() => undefined);
      if (!this.stopped) {
        this.logger.warn('public cache off: invalidation listener lost its connection', { reason });
        this.scheduleReconnect();
      }
    };
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('connection ended'));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${PUBLIC_CHANGE_CHANNEL}`);
      if (this.client !== client) return;
      this.attempt = 0;
      this.cache.setLive(true);
    } catch (error) {
      lost(error instanceof Error ? error.message : String(error));
    }
  }

  private scheduleReconnect(): void {
    if (this.retryTimer || this.stopped) return;
    const delay = Math.min(5000, 250 * 2 ** this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    this.cache.setLive(false);
    if (client) await client.end().catch(() => undefined);
  }
}
