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
    integrity: z
      .object({
        state: z
          .enum(['off', 'checking', 'ok', 'incomplete'])
          .describe('off: not run (DATABASE_STARTUP_CHECK=off, or an in-memory database); checking: under way; ok: nothing damaged found; incomplete: it could not finish (see reason). Damage found is no state: readiness answers 503 database-damaged'),
        checked: z.number().int().describe('Objects checked so far: tables on SQLite, tables and indexes (and two catalogue checks) on PostgreSQL'),
        total: z.number().int().nullable().describe('How many there are to check; null until known'),
        tookMs: z.number().int().nullable().describe('How long the finished check took (ms); null while it runs or when it did not run'),
        reason: z.string().nullable().describe('Why it is off or incomplete (the thread stopped, the file was moved or deleted); null otherwise'),
      })
      .describe('The quick integrity check the server runs once it is ready (DATABASE_STARTUP_CHECK; masthead check runs the full one). Informational while it runs or when it could not finish; damage it finds makes readiness 503'),
  })
  .meta({ id: 'Readiness' });

export const healthRoutes: FastifyPluginAsyncZod<{ store: Pick<Store, 'ping' | 'feed' | 'replica' | 'integrity'> }> = async (app, { store }) => {
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
    schema: { tags: ['system'], errors: [503], operationId: 'getReadiness', summary: 'Readiness: the database answers, takes writes and was not found damaged; how far the change feed is held back', response: { 200: Readiness } },
    handler: async () => {
      try {
        await store.ping();
      } catch (error) {
        // The store's own word on the file (read-only, damaged) is more use to an operator than "does not answer".
        if (error instanceof AppError && error.status === 503) throw error;
        throw new AppError('database-unavailable', 'The database does not answer');
      }
      const replica = store.replica?.status() ?? null;
      const changeFeed = await store.feed.lag();
      // Read last, and throwing the 503 itself: damage found while the lines above awaited still fails this answer.
      const integrity = store.integrity.sound();
      return { status: 'ok' as const, changeFeed, replica: replica && { ...replica, lagMs: replica.lagMs === null ? null : Math.round(replica.lagMs) }, integrity };
    },
  });
};
