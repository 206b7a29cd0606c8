import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../graphql/context';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, toPage } from '../../graphql/connection';
import { authorize } from '../auth/authorize';
import { Organization } from '../tenancy/tenancy.types';
import type { MailDeliveryRow } from './mail.repository';
import { mailDeliveries } from './mail.service';
import { MailDeliveryArgs, MailDeliveryConnection, type MailDelivery } from './mail.types';

const toDelivery = (r: MailDeliveryRow): MailDelivery => ({ ...r });

@Resolver(() => Organization)
export class OrganizationMailResolver {
  @FieldResolver(() => MailDeliveryConnection, {
    description: "OWNER, ADMIN: the organization's outgoing mail and its delivery state (invitations, access request mail, decisions, NDA receipts, reminders, alerts), newest first.",
  })
  async mailDeliveries(@Root() org: Organization, @Args() args: MailDeliveryArgs, @Ctx() ctx: RequestContext): Promise<MailDeliveryConnection> {
    const scope = authorize(ctx.principal, 'mail.read', { orgId: org.id });
    const limit = args.first ?? DEFAULT_PAGE_SIZE;
    const after = args.after ? (decodeCursor(args.after, ['timestamp', 'uuid']) as [string, string]) : null;
    const rows = await mailDeliveries(ctx.db, scope, { status: args.status ?? null, limit: limit + 1, after });
    return toPage(rows, limit, Boolean(after), (r) => encodeCursor([r.createdAt.toISOString(), r.id]), toDelivery);
  }
}
