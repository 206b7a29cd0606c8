import type { EntityManager } from 'typeorm';
import { eventHash, GENESIS_HASH, verifyChain, type ChainBreak, type StoredEvent } from '../../domain/audit-chain';
import type { Database } from '../../db/database';
import type { TenantScope } from '../auth/tenant-scope';
import type { Actor } from '../common/errors';
import type { AuditEventEntity } from './audit-event.entity';
import { auditRepository } from './audit.repository';

/** What happened, by whom: one link of an organization's chain. */
export interface AuditInput {
  action: AuditAction;
  actorUserId: string | null;
  actorEmail: string | null;
  actorOrgId: string | null;
  targetType?: string | null;
  targetId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export type AuditAction =
  | 'organization.created'
  | 'trust_center.updated'
  | 'trust_center.published'
  | 'trust_center.unpublished'
  | 'attestation.created'
  | 'attestation.updated'
  | 'attestation.published'
  | 'attestation.withdrawn'
  | 'attestation.exception_response_set'
  | 'bridge_letter.added'
  | 'attestation_in_progress.created'
  | 'attestation_in_progress.updated'
  | 'attestation_in_progress.cancelled'
  | 'attestation_in_progress.completed'
  | 'document.created'
  | 'document.updated'
  | 'document.upload_started'
  | 'document.version_available'
  | 'nda.created'
  | 'nda.published'
  | 'nda.accepted'
  | 'nda.recorded_on_file'
  | 'access.policy_updated'
  | 'access.requested'
  | 'access.approved'
  | 'access.denied'
  | 'access.revoked'
  | 'document.downloaded'
  | 'api_key.created'
  | 'api_key.rotated'
  | 'api_key.revoked'
  | 'member.invited'
  | 'member.invitation_resent'
  | 'member.invitation_revoked'
  | 'member.joined'
  | 'member.role_changed'
  | 'member.removed'
  | 'member.left'
  | 'member.ownership_transferred'
  | 'subprocessor.added'
  | 'subprocessor.removed'
  | 'webhook_endpoint.created'
  | 'webhook_endpoint.enabled'
  | 'webhook_endpoint.disabled'
  | 'webhook_endpoint.deleted'
  | 'vendor_watch.added'
  | 'vendor_watch.removed'
  | 'vendor_attestation.recorded'
  | 'requirement_policy.set'
  | 'requirement_policy.override_cleared'
  | 'vendor_subscription.set'
  | 'vendor_subscription.removed'
  | 'vendor_review.recorded';

/** The actor fields of an audit event. */
export function auditActor(actor: Actor): Pick<AuditInput, 'actorUserId' | 'actorEmail' | 'actorOrgId' | 'ip'> {
  return { actorUserId: actor.userId, actorEmail: actor.email, actorOrgId: actor.orgId, ip: actor.ip };
}

/** Text values longer than this are named in an edit's details, not copied (descriptions, scopes, notes). */
const SHORT_TEXT = 100;

const isShortScalar = (v: unknown): boolean =>
  v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= SHORT_TEXT);

/** What an edit changed, for an event's details. */
export interface AuditChanges {
  /** The names of the fields whose value differs. */
  changed: string[];
  /** Old and new value of each changed short scalar field (lists and long texts are only named in `changed`). */
  changes: Record<string, { from: unknown; to: unknown }>;
}

/**
 * Compares `before` with what `after` sets (undefined: not set), field by field. Values compare as JSON, so equal
 * lists and dates count as unchanged.
 */
export function auditChanges(before: object, after: object): AuditChanges {
  const was = before as Record<string, unknown>;
  const out: AuditChanges = { changed: [], changes: {} };
  for (const [field, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const from = was[field] instanceof Date ? (was[field] as Date).toISOString() : was[field] ?? null;
    const to = value instanceof Date ? value.toISOString() : value;
    if (JSON.stringify(from) === JSON.stringify(to)) continue;
    out.changed.push(field);
    if (isShortScalar(from) && isShortScalar(to)) out.changes[field] = { from, to };
  }
  return out;
}

const toStored = (e: AuditEventEntity): StoredEvent => ({
  orgId: e.orgId,
  seq: Number(e.seq),
  occurredAt: e.occurredAt.toISOString(),
  action: e.action,
  actorUserId: e.actorUserId,
  actorEmail: e.actorEmail,
  actorOrgId: e.actorOrgId,
  targetType: e.targetType,
  targetId: e.targetId,
  ip: e.ip,
  details: e.details,
  prevHash: e.prevHash,
  hash: e.hash,
});

export interface AuditVerification {
  valid: boolean;
  checkedEvents: number;
  firstBroken: ChainBreak | null;
}

const VERIFY_BATCH = 1000;

/**
 * The chain head each open transaction appended last, per organization. The transaction holds that organization's
 * advisory lock until it ends, so no one else can append in between: its next event links to this head without
 * taking the lock and reading the last event again (an auto-approved access request appends two). Keyed by the
 * transaction's query runner, which lives as long as the transaction (no code here rolls back to a savepoint).
 */
const headsByTransaction = new WeakMap<object, Map<string, { seq: number; hash: string }>>();

/**
 * Appends to the chain of the scope's organization inside the caller's transaction, so the event commits or rolls back
 * with the change it records. A transaction-scoped advisory lock per org serialises appenders: two concurrent events
 * never take one seq.
 */
export const auditLog = {
  async append(m: EntityManager, scope: TenantScope, input: AuditInput): Promise<void> {
    const transaction = m.queryRunner?.isTransactionActive ? m.queryRunner : null;
    let heads = transaction ? headsByTransaction.get(transaction) : undefined;
    const last = heads?.get(scope.orgId) ?? (await auditRepository.lockAndReadLast(m, scope));
    const content = {
      orgId: scope.orgId,
      seq: last ? last.seq + 1 : 1,
      // Milliseconds only: what PostgreSQL stores is what is hashed, so verification recomputes the same bytes.
      occurredAt: new Date(),
      action: input.action,
      actorUserId: input.actorUserId,
      actorEmail: input.actorEmail,
      actorOrgId: input.actorOrgId,
      targetType: input.targetType ?? null,
      targetId: input.targetId ?? null,
      ip: input.ip ?? null,
      // What jsonb gives back: plain JSON values only, so verification hashes exactly what was hashed here.
      details: JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>,
    };
    const prevHash = last?.hash ?? GENESIS_HASH;
    const hash = eventHash(prevHash, { ...content, occurredAt: content.occurredAt.toISOString() });
    await auditRepository.insert(m, { ...content, prevHash, hash });
    if (transaction) {
      if (!heads) headsByTransaction.set(transaction, (heads = new Map()));
      heads.set(scope.orgId, { seq: content.seq, hash });
    }
  },
};

export class AuditService {
  constructor(private readonly db: Database) {}

  /** Recomputes the whole chain, in batches, and names the first broken link. */
  async verify(scope: TenantScope): Promise<AuditVerification> {
    let prev = GENESIS_HASH;
    let nextSeq = 1;
    let checked = 0;
    for (;;) {
      const batch = await this.db.transaction(scope.identity(), (m) => auditRepository.from(m, scope, nextSeq, VERIFY_BATCH));
      const stored = batch.map(toStored);
      const broken = verifyChain(stored, prev, nextSeq);
      if (broken) return { valid: false, checkedEvents: checked + stored.findIndex((e) => e.seq === broken.seq), firstBroken: broken };
      checked += stored.length;
      if (stored.length < VERIFY_BATCH) return { valid: true, checkedEvents: checked, firstBroken: null };
      prev = stored[stored.length - 1]!.hash;
      nextSeq = stored[stored.length - 1]!.seq + 1;
    }
  }

  async page(scope: TenantScope, limit: number, beforeSeq: number | null): Promise<AuditEventEntity[]> {
    return this.db.transaction(scope.identity(), (m) => auditRepository.page(m, scope, limit, beforeSeq));
  }
}
