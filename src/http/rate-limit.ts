import type { FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../logger';
import { clientIp } from './client-ip';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

export interface RateLimitKey {
  key: string;
  limit: number;
}

/**
 * One client address's counter in a bucket. Bucket `ip` is the per-address allowance (RATE_LIMIT_PER_IP) that GraphQL's
 * anonymous requests and the hosted page's renders share; others (`guest-mail`) count one kind of request apart.
 */
export const addressKey = (bucket: string, ip: string | null, limit: number): RateLimitKey => ({ key: `${bucket}:${ip}`, limit });

/** Counts one request of a client address in a bucket: null when no limit applies, else the decision. */
export type PerAddress = (request: FastifyRequest, bucket: string, limit: number) => Promise<RateLimitDecision | null>;

/** The per-address limit of routes outside the GraphQL pipeline (which knows the address already), by `trust`'s reading of it. */
export function perAddressLimit(limiter: RateLimiter, trust: (address: string, hop: number) => boolean, now: () => Date): PerAddress {
  return (request, bucket, limit) => limiter.consume([addressKey(bucket, clientIp(request.raw, trust), limit)], now());
}

const WINDOW_MS = 60_000;
/** Counters live a little past their window (the key names the window, so the TTL only clears them away). */
const KEY_TTL_SECONDS = 120;

/**
 * Fixed one-minute windows of the server's clock (`now`), counted with rate-limiter-flexible: each counter's key holds
 * its window's start, so every process on the same clock agrees on the window and a request's Retry-After is exact.
 *
 * - With REDIS_URL: counted in Redis (one atomic INCR per key, no database write), shared by every process using that
 *   Redis and key prefix. When Redis does not answer, an in-memory limiter in this process counts instead (logged once
 *   per outage): requests are never refused or failed because Redis is away; limits are then per process.
 * - Without REDIS_URL: in memory, per server instance.
 */
export class RateLimiter {
  private readonly limiters = new Map<number, RateLimiterAbstract>();
  private insuranceInUse = false;

  private constructor(
    private readonly keyPrefix: string,
    private readonly redis: Redis | null,
    private readonly logger: Logger,
  ) {
    redis?.on('ready', () => {
      if (this.insuranceInUse) this.logger.info('rate limits: Redis answers again; counting there', {});
      this.insuranceInUse = false;
    });
    // ioredis reconnects by itself; its errors are reported once per outage through the insurance limiter below.
    redis?.on('error', () => undefined);
  }

  /** Connects to Redis when `redisUrl` is set, waiting up to `connectTimeoutMs` for it (then starts without it). */
  static async create(options: { redisUrl: string | null; keyPrefix: string; logger: Logger; connectTimeoutMs?: number }): Promise<RateLimiter> {
    if (!options.redisUrl) return new RateLimiter(options.keyPrefix, null, options.logger);
    const redis = new Redis(options.redisUrl, {
      // Fail fast instead of queueing: a counter that cannot be reached is counted in memory (the insurance limiter).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(250 * attempt, 5000),
    });
    const limiter = new RateLimiter(options.keyPrefix, redis, options.logger);
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), options.connectTimeoutMs ?? 2000);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!ready) limiter.reportInsurance('no answer at startup');
    return limiter;
  }

  get backend(): 'redis' | 'memory' {
    return this.redis ? 'redis' : 'memory';
  }

  /** Counts one request against each key; the tightest limit decides (and is the one reported). Null: no limit applies. */
  async consume(keys: RateLimitKey[], now: Date): Promise<RateLimitDecision | null> {
    const active = keys.filter((k) => k.limit > 0);
    if (active.length === 0) return null;
    const windowStart = Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS;
    const resetSeconds = Math.ceil((windowStart + WINDOW_MS - now.getTime()) / 1000);
    const counts = await Promise.all(active.map((k) => this.count(k, windowStart)));
    let decision: RateLimitDecision | null = null;
    active.forEach((k, i) => {
      const count = counts[i]!;
      const d = { allowed: count <= k.limit, limit: k.limit, remaining: Math.max(0, k.limit - count), resetSeconds };
      if (!decision || d.remaining < decision.remaining || !d.allowed) decision = d;
    });
    return decision;
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }

  /** The count in this window after this request (rate-limiter-flexible rejects with the same result when over). */
  private async count(k: RateLimitKey, windowStart: number): Promise<number> {
    try {
      return (await this.limiterFor(k.limit).consume(`${windowStart}:${k.key}`)).consumedPoints;
    } catch (result) {
      if (result instanceof RateLimiterRes) return result.consumedPoints;
      throw result;
    }
  }

  private limiterFor(points: number): RateLimiterAbstract {
    let limiter = this.limiters.get(points);
    if (limiter) return limiter;
    const options = { points, duration: KEY_TTL_SECONDS, keyPrefix: this.keyPrefix };
    if (!this.redis) limiter = new RateLimiterMemory(options);
    else {
      const insurance = new RateLimiterMemory(options);
      const consume = insurance.consume.bind(insurance);
      insurance.consume = (...args) => {
        this.reportInsurance('a command failed or the connection is down');
        return consume(...args);
      };
      limiter = new RateLimiterRedis({ ...options, storeClient: this.redis, rejectIfRedisNotReady: true, insuranceLimiter: insurance });
    }
    this.limiters.set(points, limiter);
    return limiter;
  }

  private reportInsurance(reason: string): void {
    if (this.insuranceInUse) return;
    this.insuranceInUse = true;
    this.logger.warn('rate limits: Redis unreachable, counting in this process until it answers (limits are per process meanwhile)', { reason });
  }
}
