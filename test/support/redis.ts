import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * The Redis that rate-limit tests share counters through: REDIS_URL when set, else redis://127.0.0.1:6379 when it
 * answers PING (probed synchronously, so a test file can decide at load time whether its Redis tests run). `url` is
 * null when nothing answers, with the reason to print when those tests are skipped.
 */
export function testRedis(): { url: string | null; reason: string } {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, reason: 'REDIS_URL' };
  const probe = spawnSync(process.execPath, ['-e', `
    const s = require('node:net').connect(6379, '127.0.0.1');
    s.setTimeout(1000, () => process.exit(2));
    s.on('error', () => process.exit(1));
    s.on('connect', () => s.write('PING\\r\\n'));
    s.on('data', (d) => process.exit(String(d).startsWith('+PONG') ? 0 : 3));
  `], { timeout: 3000 });
  if (probe.status === 0) return { url: 'redis://127.0.0.1:6379', reason: 'redis://127.0.0.1:6379 answered PING' };
  return { url: null, reason: 'REDIS_URL is not set and nothing answers PING at 127.0.0.1:6379' };
}

/** A key prefix of the calling test file's own, new on every run: no two files or runs ever share a counter. */
export function redisKeyPrefix(testFile: string): string {
  return `tp-test:${path.basename(testFile).replace(/\W+/g, '-')}:${randomBytes(4).toString('hex')}`;
}

/** `describe` when a Redis answers, else `describe.skip`, printing why (once per file). */
export function describeWithRedis(name: string, fn: (url: string) => void): void {
  const redis = testRedis();
  if (!redis.url) {
    process.stdout.write(`skipping "${name}": ${redis.reason}\n`);
    describe.skip(name, () => fn(''));
    return;
  }
  describe(name, () => fn(redis.url!));
}
