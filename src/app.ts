import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createRequire } from 'node:module';
import type { Config } from './config.js';
import type { Db } from './db/connection.js';
import { systemClock, type Clock } from './common/time.js';
import { healthRoutes } from './health/routes.js';
import { serializerCompiler, validatorCompiler } from './http/compilers.js';
import { errorsPlugin } from './http/errors.js';
import { openapiPlugin } from './http/openapi.js';
import { createSectionStore } from './sections/store.js';
import { sectionRoutes } from './sections/routes.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export type Deps = {
  db: Db;
  clock?: Clock;
  /** A pino logger or logger options; defaults to fastify's logger at config.logLevel. */
  logger?: FastifyServerOptions['loggerInstance'];
};

/** Builds the whole application without listening: production and tests run exactly this. */
export async function buildApp(config: Config, deps: Deps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: { level: config.logLevel } }),
    bodyLimit: config.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    requestIdHeader: false,
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON in, JSON out: anything else is a 415 (fastify would otherwise accept text/plain).
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(errorsPlugin);
  await app.register(openapiPlugin, { version, serverUrl: config.publicBaseUrl });

  const sections = createSectionStore(deps.db, clock);

  await app.register(healthRoutes, { db: deps.db });
  await app.register(
    async (v1) => {
      await v1.register(sectionRoutes, { sections });
    },
    { prefix: '/v1' },
  );
  return app;
}
