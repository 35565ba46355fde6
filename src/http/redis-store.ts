import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { createRequire } from 'node:module';

type RedisStoreCtor = new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, nameSpace: string) => FastifyRateLimitStore;
// The plugin builds this store itself when given `redis`, but then a Redis that does not answer is
// skipped silently (skipOnError); wrapping the same store lets every failure reach the log.
const RedisStore = createRequire(import.meta.url)('@fastify/rate-limit/store/RedisStore.js') as RedisStoreCtor;

/**
 * A request must never wait for Redis: commands fail at once while it is disconnected (no offline
 * queue, no retries) and after COMMAND_TIMEOUT_MS when it stalls; the limiter then lets the
 * request through uncounted. Reconnection goes on in the background, every RECONNECT_MAX_MS at most.
 */
const CONNECT_TIMEOUT_MS = 1000;
const COMMAND_TIMEOUT_MS = 250;
const RECONNECT_MAX_MS = 2000;
/** During an outage every request fails; one warning this often (with the count in between) is enough. */
const WARN_EVERY_MS = 10_000;

export type SharedStore = {
  /** The store class @fastify/rate-limit's `store` option takes. */
  Store: FastifyRateLimitStoreCtor;
  /** Resolves once Redis answers or has failed to (at most CONNECT_TIMEOUT_MS), so start-up never hangs on it. */
  connected(): Promise<void>;
  close(): Promise<void>;
};

export function createSharedStore(url: string, prefix: string, log: FastifyBaseLogger): SharedStore {
  const redis = new Redis(url, {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, RECONNECT_MAX_MS),
  });
  const where = new URL(url).host;
  const throttled = throttledWarning(log, where);
  let failing = false;
  const warn = (err: Error) => {
    failing = true;
    throttled(err);
  };
  redis.on('error', warn);
  redis.on('ready', () => {
    if (failing) log.info({ redis: where }, 'Redis answers again: rate limits are shared across nodes');
    failing = false;
  });

  const inner = new RedisStore(false, false, redis, `${prefix}rate:`);
  const wrap = (store: FastifyRateLimitStore): FastifyRateLimitStore => ({
    incr: (key, callback, timeWindow, max) =>
      store.incr(
        key,
        (err, result) => {
          if (err) warn(err);
          callback(err, result);
        },
        timeWindow,
        max,
      ),
    child: (routeOptions) => wrap(store.child(routeOptions)),
  });
  const shared = wrap(inner);
  // The plugin calls `new Store(options)`; a constructor that returns an object yields that object.
  const Store = function SharedRedisStore() {
    return shared;
  } as unknown as FastifyRateLimitStoreCtor;

  return {
    Store,
    connected: () =>
      new Promise<void>((resolve) => {
        if (redis.status === 'ready') return resolve();
        const done = () => {
          clearTimeout(timer);
          redis.off('ready', done).off('error', done);
          resolve();
        };
        const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
        redis.once('ready', done).once('error', done);
      }),
    close: async () => {
      if (redis.status !== 'ready') return redis.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function throttledWarning(log: FastifyBaseLogger, where: string) {
  let last = -Infinity;
  let since = 0;
  return (err: Error) => {
    // Monotonic time, not the app's clock: this paces log lines and has no bearing on answers.
    const now = performance.now();
    if (now - last < WARN_EVERY_MS) {
      since++;
      return;
    }
    log.warn({ redis: where, error: err.message, failuresSinceLastWarning: since }, 'Redis does not answer: requests pass without being counted against rate limits');
    last = now;
    since = 0;
  };
}
