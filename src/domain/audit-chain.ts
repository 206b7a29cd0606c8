import { createHash } from 'node:crypto';

/**
 * Each organization's audit events form a SHA-256 hash chain: an event's hash covers its content and the previous
 * event's hash, so changing, removing or reordering any stored event breaks every link after it.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedEventContent {
  orgId: string;
  seq: number;
  occurredAt: string; // ISO 8601 with milliseconds, as stored
  action: string;
  actorUserId: string | null;
  actorEmail: string | null;
  actorOrgId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: unknown;
}

/** JSON with object keys sorted at every level, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function eventHash(prevHash: string, content: ChainedEventContent): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(content)).digest('hex');
}

export interface StoredEvent extends ChainedEventContent {
  prevHash: string;
  hash: string;
}

export type ChainBreak = { seq: number; reason: 'SEQUENCE_GAP' | 'PREVIOUS_HASH_MISMATCH' | 'HASH_MISMATCH' };

/** Walks events in seq order from `expectedPrev` (the genesis hash, or the last verified hash) and names the first broken link. */
export function verifyChain(events: readonly StoredEvent[], expectedPrev = GENESIS_HASH, expectedSeq = 1): ChainBreak | null {
  let prev = expectedPrev;
  let seq = expectedSeq;
  for (const e of events) {
    if (e.seq !== seq) return { seq: e.seq, reason: 'SEQUENCE_GAP' };
    if (e.prevHash !== prev) return { seq: e.seq, reason: 'PREVIOUS_HASH_MISMATCH' };
    const { prevHash: _p, hash, ...content } = e;
    if (eventHash(prev, content) !== hash) return { seq: e.seq, reason: 'HASH_MISMATCH' };
    prev = hash;
    seq += 1;
  }
  return null;
}
