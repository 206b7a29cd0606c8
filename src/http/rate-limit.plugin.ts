import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import type { AppConfig } from '../config/config';
import type { Principal } from '../modules/auth/principal';
import { sharedPlugin } from './plugin';
import { addressKey, type RateLimitDecision, type RateLimiter, type RateLimitKey } from './rate-limit';
import { sendGraphqlError } from './reply';

/** RateLimit header fields (IETF httpapi draft): the tightest limit that applied to this request. */
function setRateLimitHeaders(reply: FastifyReply, d: RateLimitDecision): void {
  reply.headers({ 'ratelimit-limit': String(d.limit), 'ratelimit-remaining': String(d.remaining), 'ratelimit-reset': String(d.resetSeconds), 'ratelimit-policy': `${d.limit};w=60` });
}

/**
 * Requests per minute per client address and per principal (RATE_LIMIT_PER_IP, RATE_LIMIT_PER_PRINCIPAL), counted by
 * rate-limit.ts (Redis or memory, never the database). Anonymous requests are counted per address in `onRequest`,
 * before the body is read. A request with credentials is counted once it is authenticated, in the GraphQL context
 * (`afterAuthentication`): its address and its principal together, or its address alone when the credentials fail.
 */
export class RequestLimits {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: AppConfig['rateLimits'],
    private readonly now: () => Date,
  ) {}

  /** The stage: the per-address limit of anonymous requests. */
  readonly plugin = sharedPlugin(async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request, reply) => {
      if (request.headers.authorization !== undefined) return;
      const decision = await this.limiter.consume([this.ipKey(request)], this.now());
      if (!decision) return;
      setRateLimitHeaders(reply, decision);
      if (!decision.allowed) {
        return sendGraphqlError(reply, 429, 'RATE_LIMITED', `Too many requests from this address: ${decision.limit} a minute`, { 'retry-after': String(decision.resetSeconds) }, { retryAfterSeconds: decision.resetSeconds });
      }
    });
  });

  /**
   * Called by the GraphQL context with the caller, or null when its credentials failed (which still count against the
   * address). Over a limit: a 429 RATE_LIMITED GraphQL error, with Retry-After.
   */
  async afterAuthentication(request: FastifyRequest, reply: FastifyReply, principal: Principal | null): Promise<void> {
    const withCredentials = request.headers.authorization !== undefined;
    const principalKey = !principal ? null : principal.apiKey ? `key:${principal.apiKey.id}` : principal.user ? `user:${principal.user.id}` : null;
    const keys: RateLimitKey[] = [
      ...(principalKey ? [{ key: principalKey, limit: this.limits.perPrincipalPerMinute }] : []),
      ...(withCredentials ? [this.ipKey(request)] : []),
    ];
    if (keys.length === 0) return;
    const decision = await this.limiter.consume(keys, this.now());
    if (!decision) return;
    setRateLimitHeaders(reply, decision);
    if (!decision.allowed) {
      reply.header('retry-after', String(decision.resetSeconds));
      throw new GraphQLError(`Rate limit of ${decision.limit} requests a minute reached; retry in ${decision.resetSeconds} s`, {
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: decision.resetSeconds, http: { status: 429 } },
      });
    }
  }

  private ipKey(request: FastifyRequest): RateLimitKey {
    return addressKey('ip', request.graphql.ip, this.limits.perIpPerMinute);
  }
}
