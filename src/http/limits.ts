import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AppError } from '../common/errors.js';
import { createSharedStore } from './redis-store.js';

const WINDOW_MS = 60_000;

/** Keyed calls count against their key wherever they come from; anonymous ones against their address. */
const bucketOf = (request: FastifyRequest) =>
  request.principal.keyId !== null ? `key:${request.principal.keyId}` : `ip:${request.ip}`;

/**
 * Requests per minute per key (by scope) and per client address for anonymous readers; admin
 * keys are not limited. Runs after authentication (its hook is route-level, the auth hook is
 * global), so it knows who is asking. Behind a proxy, set fastify's trustProxy or every
 * anonymous reader shares the proxy's address.
 *
 * With Redis (REDIS_URL) every node counts into the same buckets; without it each node counts its
 * own, so N nodes let through up to N times the limit. When Redis does not answer, requests pass
 * uncounted (fail open, logged): a limiter must not take the API down with it.
 */
export const limitsPlugin = fp(
  async (app: FastifyInstance, opts: { rateLimit: Config['rateLimit']; redis: Config['redis'] }) => {
    const limits = opts.rateLimit;
    if (!limits.enabled) return;
    const shared = opts.redis ? createSharedStore(opts.redis.url, opts.redis.prefix, app.log) : null;
    if (shared) {
      app.addHook('onReady', shared.connected);
      app.addHook('onClose', shared.close);
    }
    const perScope = { public: limits.reader, read: limits.readKey, write: limits.writeKey, admin: Number.MAX_SAFE_INTEGER };
    await app.register(rateLimit, {
      global: true,
      timeWindow: WINDOW_MS,
      keyGenerator: bucketOf,
      ...(shared && { store: shared.Store, skipOnError: true }),
      max: (request) => perScope[request.principal.scope],
      allowList: (request) => request.principal.scope === 'admin',
      errorResponseBuilder: (_request, context) => {
        const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
        return new AppError('rate-limited', `Too many requests: at most ${context.max} a minute; try again in ${seconds} s`, {
          headers: { 'retry-after': String(seconds) },
        });
      },
    });
  },
  { name: 'masthead-limits', dependencies: ['masthead-auth'] },
);
