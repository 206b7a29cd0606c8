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
}

export function createLogger(level: AppConfig['logLevel'], destination?: pino.DestinationStream): Logger {
  const base = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['authorization', 'token', 'secret', 'password', '*.authorization', '*.token', '*.secret', '*.password'], censor: '[redacted]' },
    },
    destination,
  );
  return {
    debug: (m, d) => base.debug(d ?? {}, m),
    info: (m, d) => base.info(d ?? {}, m),
    warn: (m, d) => base.warn(d ?? {}, m),
    error: (m, d) => base.error(d ?? {}, m),
  };
}
