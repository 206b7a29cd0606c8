import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import type { ApiKeyScope } from '../../domain/api-keys';
import { actorOf, type RequestContext } from '../../graphql/context';
import { ApiKeyScopeEnum } from '../../graphql/enums';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';
import { authorize } from '../auth/authorize';
import { Organization } from '../tenancy/tenancy.types';
import type { ApiKeyEntity } from './api-key.entity';
import { ApiKeyService, type ApiKeyErrorCode, type ApiKeyResult } from './api-key.service';

@ObjectType({ description: 'An organization API key (its secret is shown once, at creation or rotation).' })
export class ApiKey {
  @Field(() => ID, { description: 'Identifier (also inside the key: tpk_<id>_<secret>).' })
  id: string;

  @Field({ description: 'Name.' })
  name: string;

  @Field(() => [ApiKeyScopeEnum], { description: 'What it may do.' })
  scopes: ApiKeyScope[];

  @Field(() => Date, { description: 'When it was created.' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it stops working (null: never).' })
  expiresAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was last used (to the minute).' })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was revoked (or rotated away).' })
  revokedAt: Date | null;

  @Field(() => ID, { nullable: true, description: 'The key this one replaced by rotation.' })
  rotatedFromId: string | null;
}

export const ApiKeyErrorCodeEnum = ErrorCodes<ApiKeyErrorCode>('ApiKeyErrorCode', 'Why an API key change was refused.', {
  INVALID_NAME: 'createApiKey: name must be 1-100 characters.',
  INVALID_SCOPES: 'createApiKey: scopes must list at least one ApiKeyScope.',
  INVALID_EXPIRY: 'createApiKey: expiresInDays must be a whole number from 1 to 730 (omit it for a key that never expires).',
  ALREADY_REVOKED: 'rotateApiKey or revokeApiKey: the key is already revoked, and a revoked key cannot be rotated: create a new one.',
});

export const ApiKeyError = PayloadErrorType('ApiKeyError', ApiKeyErrorCodeEnum, { description: 'A refused API key change.', field: 'The input field at fault.' });
export type ApiKeyError = InstanceType<typeof ApiKeyError>;

@ObjectType({ description: 'Result of an API key mutation.' })
export class ApiKeyPayload {
  @Field(() => ApiKey, { nullable: true, description: 'The key.' })
  apiKey: ApiKey | null;

  @Field(() => String, { nullable: true, description: 'The full key (createApiKey, rotateApiKey): shown once, store it now. Use it as `Authorization: Bearer <key>`.' })
  secret: string | null;

  @Field(() => [ApiKeyError], { description: 'Why it was refused (empty on success).' })
  errors: ApiKeyError[];
}

@InputType({ description: 'A new API key.' })
export class CreateApiKeyInput {
  @Field({ description: 'Name (1-100 characters).' })
  @MaxLength(200)
  name: string;

  @Field(() => [ApiKeyScopeEnum], { description: 'What it may do (one or more).' })
  @ArrayMaxSize(10)
  scopes: ApiKeyScope[];

  @Field(() => Int, { nullable: true, description: 'Days until it expires (1-730; omit: never).' })
  @IsOptional()
  expiresInDays?: number | null;
}

const toApiKey = (k: ApiKeyEntity): ApiKey => ({ id: k.id, name: k.name, scopes: k.scopes, createdAt: k.createdAt, expiresAt: k.expiresAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt, rotatedFromId: k.rotatedFromId });
const payload = (r: ApiKeyResult): ApiKeyPayload => ({ apiKey: r.apiKey ? toApiKey(r.apiKey) : null, secret: r.secret, errors: r.errors });

@Resolver()
export class ApiKeyMutationResolver {
  @Authorized('apikeys.manage')
  @Mutation(() => ApiKeyPayload, { description: 'Create an API key for the active organization (OWNER, ADMIN; never an API key).' })
  async createApiKey(@Arg('input', { description: 'Name, scopes, expiry.' }) input: CreateApiKeyInput, @Ctx() ctx: RequestContext): Promise<ApiKeyPayload> {
    return payload(await new ApiKeyService(ctx.db).create(authorize(ctx.principal, 'apikeys.manage'), actorOf(ctx), input, ctx.now()));
  }

  @Authorized('apikeys.manage')
  @Mutation(() => ApiKeyPayload, { description: 'Replace a key\'s secret: the old one stops working at once; the new one is returned once.' })
  async rotateApiKey(@Arg('id', () => ID, { description: 'The key.' }) id: string, @Ctx() ctx: RequestContext): Promise<ApiKeyPayload> {
    return payload(await new ApiKeyService(ctx.db).rotate(authorize(ctx.principal, 'apikeys.manage'), actorOf(ctx), id));
  }

  @Authorized('apikeys.manage')
  @Mutation(() => ApiKeyPayload, { description: 'Revoke a key at once.' })
  async revokeApiKey(@Arg('id', () => ID, { description: 'The key.' }) id: string, @Ctx() ctx: RequestContext): Promise<ApiKeyPayload> {
    return payload(await new ApiKeyService(ctx.db).revoke(authorize(ctx.principal, 'apikeys.manage'), actorOf(ctx), id));
  }
}

@Resolver(() => Organization)
export class OrganizationApiKeysResolver {
  @FieldResolver(() => [ApiKey], { description: 'OWNER, ADMIN: the organization\'s API keys, newest first (secrets are never shown again).' })
  async apiKeys(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<ApiKey[]> {
    return (await new ApiKeyService(ctx.db).list(authorize(ctx.principal, 'apikeys.manage', { orgId: org.id }))).map(toApiKey);
  }
}
