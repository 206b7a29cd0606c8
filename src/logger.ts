import pino from 'pino';
import type { AppConfig } from './config/config';

/**
 * Structured JSON lines on stdout (pino). Never pass a token or secret in `data`; common secret-bearing keys are
 * redacted anyway, as a second wall.
 */
export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
  /** Writes out what is buffered (call before exit). */
  flush(): void;
  /**
   * The per-request line, on the hot path: its fields are fixed and carry no secret (request id, org slug, operation
   * name, status, duration, statement count), so it skips redaction, which costs more than the rest of the line.
   */
  request(data: { requestId: string; org: string | null; operation: string | null; status: number; durationMs: number; statements: number }): void;
}

export function createLogger(level: AppConfig['logLevel'], destination?: pino.DestinationStream): Logger {
  // stdout, buffered (4 KiB) and written asynchronously: one synchronous write per request line would cost a
  // system call on the hot path. Buffered lines are flushed on exit (and by flush() on shutdown).
  const stdout = destination ? null : pino.destination({ dest: 1, sync: false, minLength: 4096 });
  if (stdout) {
    process.once('exit', () => {
      try {
        stdout.flushSync();
      } catch {
        // not writable any more: nothing to do at exit
      }
    });
  }
  const base = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['authorization', 'token', 'secret', 'password', '*.authorization', '*.token', '*.secret', '*.password'], censor: '[redacted]' },
    },
    destination ?? stdout!,
  );
  const plain = pino(
    { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    destination ?? stdout!,
  );
  return {
    request: (d) => plain.info(d, 'request'),
    debug: (m, d) => base.debug(d ?? {}, m),
    info: (m, d) => base.info(d ?? {}, m),
    warn: (m, d) => base.warn(d ?? {}, m),
    error: (m, d) => base.error(d ?? {}, m),
    flush: () => base.flush(),
  };
}
