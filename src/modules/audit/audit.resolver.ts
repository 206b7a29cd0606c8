import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { addDays, daysBetween, todayUtc, type CalendarDate } from '../../domain/calendar-date';
import type { RequestContext } from '../../graphql/context';
import { appError } from '../../graphql/errors';
import { Connection, decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, PageArgs, toPage } from '../../graphql/connection';
import { DateScalar } from '../../graphql/scalars';
import { TrustCenterAnalytics } from '../access/access.types';
import { authorize } from '../auth/authorize';
import { Organization } from '../tenancy/tenancy.types';
import type { AuditEventEntity } from './audit-event.entity';
import { AnalyticsService } from './analytics.service';
import { AuditService } from './audit.service';

@ObjectType({ description: "A link of the organization's append-only, hash-chained audit log." })
export class AuditEvent {
  @Field(() => Int, { description: 'Position in the chain, from 1.' })
  seq: number;

  @Field(() => Date, { description: 'When.' })
  occurredAt: Date;

  @Field({ description: 'What happened, e.g. "access.approved", "document.downloaded".' })
  action: string;

  @Field(() => String, { nullable: true, description: 'Who (verified email), when a person.' })
  actorEmail: string | null;

  @Field(() => String, { nullable: true, description: 'The organization the actor acted for.' })
  actorOrganizationId: string | null;

  @Field(() => String, { nullable: true, description: 'What kind of object it concerns.' })
  targetType: string | null;

  @Field(() => String, { nullable: true, description: 'Which object.' })
  targetId: string | null;

  @Field(() => String, { nullable: true, description: 'From which IP address.' })
  ip: string | null;

  @Field(() => GraphQLJSONObject, { description: 'Details of the event.' })
  details: Record<string, unknown>;

  @Field({ description: 'SHA-256 of the previous link (64 zeros for the first).' })
  prevHash: string;

  @Field({ description: "SHA-256 over this event's content and prevHash." })
  hash: string;
}

@ObjectType('AuditEventConnection', { description: 'A page of audit events, newest first.' })
export class AuditEventConnection extends Connection(AuditEvent, 'AuditEvent') {}

@ObjectType({ description: 'The result of recomputing the audit chain.' })
export class AuditVerification {
  @Field({ description: 'Whether every link matches.' })
  valid: boolean;

  @Field(() => Int, { description: 'Events checked before the first broken link (all of them when valid).' })
  checkedEvents: number;

  @Field(() => Int, { nullable: true, description: 'The seq of the first broken link.' })
  firstBrokenSeq: number | null;

  @Field(() => String, { nullable: true, description: 'SEQUENCE_GAP, PREVIOUS_HASH_MISMATCH or HASH_MISMATCH.' })
  reason: string | null;
}

const toAuditEvent = (e: AuditEventEntity): AuditEvent =>
  Object.assign(new AuditEvent(), {
    seq: Number(e.seq), occurredAt: e.occurredAt, action: e.action, actorEmail: e.actorEmail, actorOrganizationId: e.actorOrgId,
    targetType: e.targetType, targetId: e.targetId, ip: e.ip, details: e.details, prevHash: e.prevHash, hash: e.hash,
  });

const MAX_ANALYTICS_DAYS = 366;

@Resolver()
export class AuditQueryResolver {
  @Authorized('audit.read')
  @Query(() => AuditVerification, { description: "Recompute the active organization's audit chain and name the first broken link (OWNER, ADMIN)." })
  async verifyAuditLog(@Ctx() ctx: RequestContext): Promise<AuditVerification> {
    const r = await new AuditService(ctx.db).verify(authorize(ctx.principal, 'audit.read'));
    return { valid: r.valid, checkedEvents: r.checkedEvents, firstBrokenSeq: r.firstBroken?.seq ?? null, reason: r.firstBroken?.reason ?? null };
  }
}

@Resolver(() => Organization)
export class OrganizationAuditResolver {
  @FieldResolver(() => AuditEventConnection, { description: 'OWNER and ADMIN: the audit log, newest first.' })
  async auditEvents(@Root() org: Organization, @Args() page: PageArgs, @Ctx() ctx: RequestContext): Promise<AuditEventConnection> {
    const scope = authorize(ctx.principal, 'audit.read', { orgId: org.id });
    const limit = page.first ?? DEFAULT_PAGE_SIZE;
    const after = page.after ? decodeCursor(page.after, ['integer']) : null;
    const rows = await new AuditService(ctx.db).page(scope, limit, after ? Number(after[0]) : null);
    return toPage(rows, limit, Boolean(after), (e) => encodeCursor([Number(e.seq)]), toAuditEvent);
  }

  @FieldResolver(() => TrustCenterAnalytics, { description: 'Members (not EDITOR): downloads per document, customer and day; pending requests; time to decision. Default: the last 30 days.' })
  async analytics(
    @Root() org: Organization,
    @Ctx() ctx: RequestContext,
    @Arg('from', () => DateScalar, { nullable: true, description: 'First day (UTC); default 29 days before `to`.' }) from?: CalendarDate | null,
    @Arg('to', () => DateScalar, { nullable: true, description: 'Last day (UTC); default today.' }) to?: CalendarDate | null,
  ): Promise<TrustCenterAnalytics> {
    const scope = authorize(ctx.principal, 'analytics.read', { orgId: org.id });
    const last = to ?? todayUtc(ctx.now());
    const first = from ?? addDays(last, -29);
    const span = daysBetween(first, last);
    if (span < 0 || span >= MAX_ANALYTICS_DAYS) throw appError('BAD_USER_INPUT', `from must be on or before to, at most ${MAX_ANALYTICS_DAYS} days apart`);
    const a = await new AnalyticsService(ctx.db).compute(scope, first, last);
    return { from: first, to: last, ...a };
  }
}
