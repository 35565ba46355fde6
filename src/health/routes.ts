import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Store } from '../store/port.js';
import { AppError } from '../common/errors.js';

const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

const Readiness = z
  .object({
    status: z.literal('ok'),
    changeFeed: z
      .object({
        heldBack: z.number().int().describe('Events committed but not served yet: a transaction that began before them is still running (at most 10,001 counted). Always 0 on SQLite'),
        oldestWriteMs: z.number().int().nullable().describe('Age of the oldest transaction writing on the database server (PostgreSQL: any database), which holds the feed back; null when none, and on SQLite'),
      })
      .describe('How far GET /v1/changes is behind what is committed. Informational: a long import holds every node back alike, so readiness does not depend on it'),
    replica: z
      .object({
        serving: z.boolean().describe("Whether anonymous readers' lists, search, feeds and sitemaps are read from the replica now"),
        lagMs: z.number().int().nullable().describe('At most how far behind the primary the replica is (ms), as last measured; null when it was never seen current'),
        reason: z.string().nullable().describe('Why it does not serve (does not answer, not a standby, too far behind); null while it serves'),
      })
      .nullable()
      .describe('The read replica (DATABASE_REPLICA_URL); null when there is none. Informational: without it the primary answers every reader, so readiness does not depend on it'),
  })
  .meta({ id: 'Readiness' });

export const healthRoutes: FastifyPluginAsyncZod<{ store: Pick<Store, 'ping' | 'feed' | 'replica'> }> = async (app, { store }) => {
  // Probes run every few seconds: their requests are not worth an info log line each, and a load
  // balancer's probes all come from one address, so they are not rate-limited like a reader.
  app.get('/healthz', {
    logLevel: 'warn',
    config: { scope: 'public', rateLimit: false },
    schema: { tags: ['system'], operationId: 'getHealth', summary: 'Liveness: the process is up', response: { 200: Health } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    logLevel: 'warn',
    config: { scope: 'public', rateLimit: false },
    schema: { tags: ['system'], errors: [503], operationId: 'getReadiness', summary: 'Readiness: the database answers; how far the change feed is held back', response: { 200: Readiness } },
    handler: async () => {
      try {
        await store.ping();
      } catch (error) {
        // The store's own word on the file (read-only, damaged) is more use to an operator than "does not answer".
        if (error instanceof AppError && error.status === 503) throw error;
        throw new AppError('database-unavailable', 'The database does not answer');
      }
      const replica = store.replica?.status() ?? null;
      return { status: 'ok' as const, changeFeed: await store.feed.lag(), replica: replica && { ...replica, lagMs: replica.lagMs === null ? null : Math.round(replica.lagMs) } };
    },
  });
};
