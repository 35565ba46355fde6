import { z } from 'zod';

const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => v === 'on' || v === 'true' || v === '1');

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Every environment variable Masthead reads, with its default. The only reader of process.env. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().min(1).default('./data/masthead.db'),
  LOG_LEVEL: logLevel.default('info'),
  PUBLIC_BASE_URL: z.url().optional(),
  MASTHEAD_DEMO: onOff.default(true),
  BODY_LIMIT: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  CACHE_MAX_AGE: z.coerce.number().int().min(0).max(31_536_000).default(60),
  CACHE_STALE_WHILE_REVALIDATE: z.coerce.number().int().min(0).max(31_536_000).default(300),
});

export type Config = {
  port: number;
  host: string;
  databasePath: string;
  logLevel: z.infer<typeof logLevel>;
  publicBaseUrl: string;
  demo: boolean;
  bodyLimit: number;
  cache: { maxAge: number; staleWhileRevalidate: number };
};

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "not set", as a shell's `VAR=` does.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    logLevel: e.LOG_LEVEL,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`).replace(/\/+$/, ''),
    demo: e.MASTHEAD_DEMO,
    bodyLimit: e.BODY_LIMIT,
    cache: { maxAge: e.CACHE_MAX_AGE, staleWhileRevalidate: e.CACHE_STALE_WHILE_REVALIDATE },
  };
}

/** A configuration for tests and tools: defaults, an in-memory database, quiet logs. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ DATABASE_PATH: ':memory:', LOG_LEVEL: 'silent', MASTHEAD_DEMO: 'off' }), ...overrides };
}
