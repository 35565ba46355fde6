import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Store } from '../store/port.js';
import { AppError } from '../common/errors.js';

const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const healthRoutes: FastifyPluginAsyncZod<{ store: Pick<Store, 'ping'> }> = async (app, { store }) => {
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
    schema: { tags: ['system'], errors: [503], operationId: 'getReadiness', summary: 'Readiness: the database answers', response: { 200: Health } },
    handler: async () => {
      try {
        await store.ping();
      } catch (error) {
        // The store's own word on the file (read-only, damaged) is more use to an operator than "does not answer".
        if (error instanceof AppError && error.status === 503) throw error;
        throw new AppError('database-unavailable', 'The database does not answer');
      }
      return { status: 'ok' as const };
    },
  });
};
