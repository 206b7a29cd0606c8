import { ConfigError } from '../../src/config/config';
import { RateLimiter } from '../../src/http/rate-limit';
import type { Logger } from '../../src/logger';
import { testConfig } from '../support/harness';
import { describeWithRedis, redisKeyPrefix } from '../support/redis';

/** rate-limit.ts on its own: whole-minute windows of the given clock, the tightest limit, Redis and its insurance. */
function capturingLogger(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), flush: () => undefined, request: () => undefined };
}

const at = (iso: string): Date => new Date(iso);

describe('in memory (no REDIS_URL)', () => {
  let limiter: RateLimiter;
  beforeAll(async () => {
    limiter = await RateLimiter.create({ redisUrl: null, keyPrefix: redisKeyPrefix(__filename), logger: capturingLogger() });
  });
  afterAll(() => limiter.close());

  test('counts per whole minute of the clock it is given, and says when the window resets', async () => {
    const key = [{ key: 'user:a', limit: 2 }];
    expect(await limiter.consume(key, at('2026-03-10T12:00:15Z'))).toEqual({ allowed: true, limit: 2, remaining: 1, resetSeconds: 45 });
    expect(await limiter.consume(key, at('2026-03-10T12:00:59.001Z'))).toEqual({ allowed: true, limit: 2, remaining: 0, resetSeconds: 1 });
    expect(await limiter.consume(key, at('2026-03-10T12:00:59.999Z'))).toEqual({ allowed: false, limit: 2, remaining: 0, resetSeconds: 1 });
    expect(await limiter.consume(key, at('2026-03-10T12:01:00Z'))).toEqual({ allowed: true, limit: 2, remaining: 1, resetSeconds: 60 });
  });

  test('the tightest limit decides; a limit of 0 is off; no limit at all is null', async () => {
    const now = at('2026-03-10T13:00:00Z');
    const d = await limiter.consume([{ key: 'user:b', limit: 10 }, { key: 'ip:b', limit: 1 }], now);
    expect(d).toMatchObject({ allowed: true, limit: 1, remaining: 0 });
    expect(await limiter.consume([{ key: 'user:b', limit: 10 }, { key: 'ip:b', limit: 1 }], now)).toMatchObject({ allowed: false, limit: 1 });
    expect(await limiter.consume([{ key: 'user:b', limit: 10 }, { key: 'ip:off', limit: 0 }], now)).toMatchObject({ allowed: true, limit: 10, remaining: 7 });
    expect(await limiter.consume([{ key: 'ip:off', limit: 0 }], now)).toBeNull();
  });
});

test('Redis unreachable: requests are counted in memory instead, never refused or failed, and it is logged once', async () => {
  const logger = capturingLogger();
  // Port 1 on this machine: the connection is refused at once (the network failure this test is about).
  const limiter = await RateLimiter.create({ redisUrl: 'redis://127.0.0.1:1', keyPrefix: redisKeyPrefix(__filename), logger, connectTimeoutMs: 300 });
  try {
    expect(limiter.backend).toBe('redis');
    const key = [{ key: 'user:c', limit: 3 }];
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.consume(key, at('2026-03-10T12:00:15Z')));
    expect(decisions.map((d) => [d?.allowed, d?.remaining])).toEqual([[true, 2], [true, 1], [true, 0], [false, 0]]);
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([{ level: 'warn', message: expect.stringMatching(/^rate limits: Redis unreachable, counting in this process/) }]);
  } finally {
    await limiter.close();
  }
});

describeWithRedis('through Redis', (redisUrl) => {
  const prefix = redisKeyPrefix(__filename);
  let one: RateLimiter;
  let two: RateLimiter;
  let elsewhere: RateLimiter;
  beforeAll(async () => {
    [one, two, elsewhere] = await Promise.all([
      RateLimiter.create({ redisUrl, keyPrefix: prefix, logger: capturingLogger() }),
      RateLimiter.create({ redisUrl, keyPrefix: prefix, logger: capturingLogger() }),
      RateLimiter.create({ redisUrl, keyPrefix: `${prefix}-other`, logger: capturingLogger() }),
    ]);
  });
  afterAll(async () => Promise.all([one.close(), two.close(), elsewhere.close()]));

  test('two limiters on one Redis and key prefix share one counter; another prefix has its own', async () => {
    const key = [{ key: 'user:d', limit: 3 }];
    const now = at('2026-03-10T12:00:15Z');
    const remaining = [];
    for (let i = 0; i < 4; i++) remaining.push((await (i % 2 === 0 ? one : two).consume(key, now))!.remaining);
    expect(remaining).toEqual([2, 1, 0, 0]);
    expect(await two.consume(key, now)).toMatchObject({ allowed: false, resetSeconds: 45 });
    expect(await elsewhere.consume(key, now)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await one.consume(key, at('2026-03-10T12:01:00Z'))).toMatchObject({ allowed: true, remaining: 2 });
  });
});

describe('configuration', () => {
  test('REDIS_URL must be a redis:// or rediss:// URL; a malformed one is refused naming the variable', () => {
    expect(testConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).redisUrl).toBe('redis://127.0.0.1:6379/2');
    expect(testConfig({ REDIS_URL: 'rediss://:pw@cache.internal:6380' }).redisUrl).toBe('rediss://:pw@cache.internal:6380');
    expect(testConfig().redisUrl).toBeNull();
    for (const [value, why] of [['127.0.0.1:6379', /REDIS_URL.*redis:\/\//], ['not a url', /REDIS_URL: is not a valid URL/], ['http://127.0.0.1:6379', /REDIS_URL: must start with redis:\/\//], ['redis://h:6379/cache', /REDIS_URL: database must be a number/]] as const) {
      expect(() => testConfig({ REDIS_URL: value })).toThrow(ConfigError);
      expect(() => testConfig({ REDIS_URL: value })).toThrow(why);
    }
    expect(() => testConfig({ RATE_LIMIT_KEY_PREFIX: 'has space' })).toThrow(/RATE_LIMIT_KEY_PREFIX/);
    expect(testConfig().rateLimits.keyPrefix).toBe('tp:rl');
  });
});
