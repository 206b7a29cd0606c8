import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../graphql/context';
import { appError } from '../../graphql/errors';
import { authorize } from '../auth/authorize';
import type { TenantScope } from '../auth/tenant-scope';
import { MailPreferencesService } from './preferences';
import { MailPreference, MailPreferencesPayload, UpdateMailPreferencesInput } from './preferences.types';

/** Preferences belong to a person in an organization: an API key (no person) has none. */
function memberScope(ctx: RequestContext): { scope: TenantScope; userId: string } {
  const scope = authorize(ctx.principal, 'visit');
  if (!scope.userId || !scope.isMember) throw appError('FORBIDDEN', 'Mail preferences belong to a signed-in member; an API key has none');
  return { scope, userId: scope.userId };
}

@Resolver()
export class MailPreferencesResolver {
  @Authorized()
  @Query(() => [MailPreference], { description: 'Signed-in members: how each category of vendor alerts reaches you by mail, in the active organization (X-Org).' })
  async mailPreferences(@Ctx() ctx: RequestContext): Promise<MailPreference[]> {
    const { scope, userId } = memberScope(ctx);
    return new MailPreferencesService(ctx.db).get(scope, userId);
  }

  @Authorized()
  @Mutation(() => MailPreferencesPayload, { description: 'Signed-in members: change how categories of vendor alerts reach you by mail, in the active organization (X-Org). Refusals come back in `errors`.' })
  async updateMailPreferences(@Arg('input', { description: 'The categories to change.' }) input: UpdateMailPreferencesInput, @Ctx() ctx: RequestContext): Promise<MailPreferencesPayload> {
    const { scope, userId } = memberScope(ctx);
    return new MailPreferencesService(ctx.db).update(scope, userId, input.preferences);
  }
}
