import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l)) };
}

test('log lines are JSON with level, time and message; secret-bearing keys are redacted', () => {
  const out = capture();
  const logger = createLogger('info', out.stream);
  logger.info('request', { requestId: 'r1', org: 'acme', authorization: 'Bearer eyJ...', nested: { token: 't', secret: 's' } });
  logger.debug('hidden at info level');
  const [line, ...rest] = out.lines();
  expect(rest).toEqual([]);
  expect(line).toMatchObject({ level: 'info', msg: 'request', requestId: 'r1', org: 'acme', authorization: '[redacted]', nested: { token: '[redacted]', secret: '[redacted]' } });
  expect(typeof line!.time).toBe('string');
  expect(JSON.stringify(line)).not.toContain('eyJ');
});
