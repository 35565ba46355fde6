import { z } from 'zod';

const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => v === 'on' || v === 'true' || v === '1');

/** An admin secret an operator chooses must look like the ones Masthead makes, or it could never authenticate. */
const adminKey = z
  .string()
  .regex(/^mh_/, 'Must start with mh_')
  .min(24, 'Must be at least 24 characters long')
  .max(200, 'Must be at most 200 characters long')
  .regex(/^mh_[A-Za-z0-9_-]+$/, 'After mh_, only letters, digits, - and _ are allowed');

/** `*`, or a comma-separated list of origins (scheme://host[:port]). */
const ORIGIN = /^https?:\/\/[^/\s*]+$/;
const corsOrigins = z
  .string()
  .transform((s) => s.split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean))
  .refine(
    (list) => (list.length === 1 && list[0] === '*') || (list.length > 0 && list.every((o) => ORIGIN.test(o))),
    'Must be * or a comma-separated list of origins like https://news.example.com',
  );

const perMinute = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

/** Where shared rate limits are counted; the password, if any, goes in the URL (redis://:secret@host:6379/0). */
const redisUrl = z
  .string()
  .refine((u) => URL.canParse(u) && /^rediss?:$/.test(new URL(u).protocol) && new URL(u).hostname !== '', 'Must be a redis:// or rediss:// URL with a host, like redis://127.0.0.1:6379');

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Where readers find an article: placeholders {base} {id} {slug} {section}; it must name the article by {id} or {slug}. */
const articleUrlTemplate = z
  .string()
  .refine((t) => /\{(id|slug)\}/.test(t), 'Must contain {id} or {slug}')
  .refine((t) => (t.match(/\{[^}]*\}/g) ?? []).every((p) => ['{base}', '{id}', '{slug}', '{section}'].includes(p)), 'Only {base}, {id}, {slug} and {section} are allowed')
  .refine((t) => URL.canParse(t.replaceAll('{base}', 'http://example.com').replace(/\{\w+\}/g, 'x')) && /^(\{base\}|https?:\/\/)/.test(t), 'Must be an absolute http(s) URL or start with {base}');

/** Where PostgreSQL is; TLS and its checks as the URL's `sslmode` says (node-postgres reads it). */
const databaseUrl = z
  .string()
  .refine((u) => URL.canParse(u) && /^postgres(ql)?:$/.test(new URL(u).protocol), 'Must be a postgres:// or postgresql:// URL, like postgres://masthead:secret@db.example:5432/masthead');

/** Every environment variable Masthead reads, with its default. The only reader of process.env. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().min(1).default('./data/masthead.db'),
  DATABASE_URL: databaseUrl.optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  DATABASE_SEARCH_INDEX: z.enum(['auto', 'gin']).default('auto'),
  DATABASE_REPLICA_URL: databaseUrl.optional(),
  DATABASE_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(100).max(3_600_000).default(2_000),
  DATABASE_STARTUP_CHECK: onOff.default(true),
  LOG_LEVEL: logLevel.default('info'),
  PUBLIC_BASE_URL: z.url().optional(),
  MASTHEAD_DEMO: onOff.default(true),
  BODY_LIMIT: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  IMPORT_BODY_LIMIT: z.coerce.number().int().min(1024).max(2 ** 45).default(2 ** 30),
  CACHE_MAX_AGE: z.coerce.number().int().min(0).max(31_536_000).default(60),
  CACHE_STALE_WHILE_REVALIDATE: z.coerce.number().int().min(0).max(31_536_000).default(300),
  MASTHEAD_PUBLIC_READ: onOff.default(true),
  MASTHEAD_ADMIN_KEY: adminKey.optional(),
  RATE_LIMIT: onOff.default(true),
  RATE_LIMIT_READER: perMinute(600),
  RATE_LIMIT_READ_KEY: perMinute(1200),
  RATE_LIMIT_WRITE_KEY: perMinute(600),
  REDIS_URL: redisUrl.optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:._-]{1,64}$/, 'Must be 1–64 letters, digits, :, ., _ or -').default('masthead:'),
  CORS_ORIGINS: corsOrigins.optional(),
  TRUST_PROXY: onOff.default(false),
  HEAP_GROWING_PERCENT: z.coerce.number().int().refine((v) => v === 0 || (v >= 10 && v <= 300), 'Must be 0 (V8 decides) or 10–300').default(50),
  WEBHOOKS_WORKER: onOff.default(true),
  WEBHOOK_ALLOW_PRIVATE: onOff.default(false),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  WEBHOOK_DISABLE_AFTER: z.coerce.number().int().min(1).max(1000).default(10),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  WEBHOOK_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).optional(),
  ARTICLE_URL_TEMPLATE: articleUrlTemplate.default('{base}/articles/{slug}'),
  PUBLICATION_NAME: z.string().trim().min(1).max(200).default('Masthead'),
  SITEMAP_PAGE_SIZE: z.coerce.number().int().min(1).max(50_000).default(50_000),
  SEARCH_CACHE_SIZE: z.coerce.number().int().min(0).max(100_000).default(256),
  ARTICLE_CACHE_MB: z.coerce.number().int().min(0).max(4096).default(4),
  LIST_CACHE_SIZE: z.coerce.number().int().min(0).max(100_000).default(256),
});

export type Config = {
  port: number;
  host: string;
  databasePath: string;
  /**
   * PostgreSQL instead of the SQLite file (src/store/open.ts): its URL, connections per process,
   * and how long a statement may run; null: SQLite at databasePath.
   */
  postgres: {
    url: string;
    poolSize: number;
    statementTimeoutMs: number;
    connectTimeoutMs: number;
    searchIndex: 'auto' | 'gin';
    /** A streaming replica that anonymous readers' lists, search, feeds and sitemaps are read from while it is at most maxLagMs behind; null: none. */
    replica: { url: string; maxLagMs: number } | null;
  } | null;
  /** The quick integrity check once the server is ready (src/store/integrity.ts); its damage fails /readyz. */
  startupCheck: boolean;
  logLevel: z.infer<typeof logLevel>;
  publicBaseUrl: string;
  demo: boolean;
  bodyLimit: number;
  /** The largest body of POST /v1/import, which is streamed, not held (default 1 GiB). */
  importBodyLimit: number;
  cache: { maxAge: number; staleWhileRevalidate: number };
  /** Anonymous callers may read published content; off: every /v1 call needs a key. */
  publicRead: boolean;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (rate limits per reader). */
  trustProxy: boolean;
  /** How far the V8 heap may grow past what survived the last full collection, in percent; 0: V8's own factor (up to 300 %). */
  heapGrowingPercent: number;
  /** An admin key with this secret is made sure to exist at start-up. */
  adminKey: string | null;
  /** Requests per minute; admin keys are not limited. */
  rateLimit: { enabled: boolean; reader: number; readKey: number; writeKey: number };
  /**
   * Redis that counts the rate limits of every node together (src/http/limits.ts), and the prefix
   * of its keys, one per deployment; null: each node counts its own.
   */
  redis: { url: string; prefix: string } | null;
  /** Origins allowed to call from a browser: a list, '*' for any, empty for none. */
  corsOrigins: string[] | '*';
  /**
   * The webhooks worker (src/webhooks/worker.ts): whether this process runs it, whether it may call
   * private and loopback addresses (tests only), the timeout of one call, attempts per delivery,
   * failed deliveries in a row that disable an endpoint, how often it polls the outbox, and how long
   * an endpoint stays leased to a worker that shows no sign of life.
   */
  webhooks: { worker: boolean; allowPrivate: boolean; timeoutMs: number; maxAttempts: number; disableAfter: number; pollMs: number; leaseMs: number };
  /** Feeds, ninjs and sitemaps: the public article URL template, the publication's name, URLs per sitemap page. */
  syndication: { articleUrlTemplate: string; publicationName: string; sitemapPageSize: number };
  /** Search answers kept in the exact cache (src/common/exact-cache.ts); 0 turns it off. */
  searchCacheSize: number;
  /** Megabytes of serialised article answers kept by id and version (src/articles/answer-cache.ts); 0 turns it off. */
  articleCacheMb: number;
  /** Article list pages kept in the exact cache (src/common/exact-cache.ts); 0 turns it off. */
  listCacheSize: number;
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
  if (e.DATABASE_URL && cleaned.DATABASE_PATH) {
    throw new ConfigError('Invalid configuration:\n  DATABASE_URL and DATABASE_PATH are both set: set DATABASE_URL for PostgreSQL or DATABASE_PATH for SQLite, not both');
  }
  if (e.DATABASE_REPLICA_URL && !e.DATABASE_URL) {
    throw new ConfigError('Invalid configuration:\n  DATABASE_REPLICA_URL is set without DATABASE_URL: a read replica is a replica of the PostgreSQL database DATABASE_URL names');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    postgres: e.DATABASE_URL
      ? {
          url: e.DATABASE_URL,
          poolSize: e.DATABASE_POOL_SIZE,
          statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
          connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
          searchIndex: e.DATABASE_SEARCH_INDEX,
          replica: e.DATABASE_REPLICA_URL ? { url: e.DATABASE_REPLICA_URL, maxLagMs: e.DATABASE_REPLICA_MAX_LAG_MS } : null,
        }
      : null,
    startupCheck: e.DATABASE_STARTUP_CHECK,
    logLevel: e.LOG_LEVEL,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`).replace(/\/+$/, ''),
    demo: e.MASTHEAD_DEMO,
    bodyLimit: e.BODY_LIMIT,
    importBodyLimit: e.IMPORT_BODY_LIMIT,
    cache: { maxAge: e.CACHE_MAX_AGE, staleWhileRevalidate: e.CACHE_STALE_WHILE_REVALIDATE },
    publicRead: e.MASTHEAD_PUBLIC_READ,
    trustProxy: e.TRUST_PROXY,
    heapGrowingPercent: e.HEAP_GROWING_PERCENT,
    adminKey: e.MASTHEAD_ADMIN_KEY ?? null,
    rateLimit: { enabled: e.RATE_LIMIT, reader: e.RATE_LIMIT_READER, readKey: e.RATE_LIMIT_READ_KEY, writeKey: e.RATE_LIMIT_WRITE_KEY },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : null,
    corsOrigins: e.CORS_ORIGINS?.[0] === '*' ? '*' : (e.CORS_ORIGINS ?? []),
    webhooks: {
      worker: e.WEBHOOKS_WORKER,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      disableAfter: e.WEBHOOK_DISABLE_AFTER,
      pollMs: e.WEBHOOK_POLL_MS,
      // At least a call's timeout and a second: a lease running out mid-call would send the event twice.
      leaseMs: Math.max(e.WEBHOOK_LEASE_MS ?? e.WEBHOOK_TIMEOUT_MS + 60_000, e.WEBHOOK_TIMEOUT_MS + 1000),
    },
    syndication: { articleUrlTemplate: e.ARTICLE_URL_TEMPLATE, publicationName: e.PUBLICATION_NAME, sitemapPageSize: e.SITEMAP_PAGE_SIZE },
    searchCacheSize: e.SEARCH_CACHE_SIZE,
    articleCacheMb: e.ARTICLE_CACHE_MB,
    listCacheSize: e.LIST_CACHE_SIZE,
  };
}

/**
 * A configuration for tests and tools: defaults, an in-memory database, quiet logs, no rate
 * limit (so that one test's calls do not throttle the next; the rate-limit tests turn it on), and
 * no start-up check (a thread per app built; test/health/startup-check.test.ts turns it on).
 */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig({ DATABASE_PATH: ':memory:', LOG_LEVEL: 'silent', MASTHEAD_DEMO: 'off', RATE_LIMIT: 'off', WEBHOOKS_WORKER: 'off', DATABASE_STARTUP_CHECK: 'off' });
  return { ...base, ...overrides };
}
