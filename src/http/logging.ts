import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';

/**
 * Paths pino blanks out in every log line: credentials in request headers, and key secrets
 * wherever an object carrying one is logged (a body, a key, an error's context).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'secret',
  '*.secret',
  '*.*.secret',
];

/** The logger options buildApp gives fastify; tests build their capturing pino logger from the same. */
export function loggerOptions(config: Pick<Config, 'logLevel'>) {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  } satisfies FastifyServerOptions['logger'];
}
