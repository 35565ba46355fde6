import compress from '@fastify/compress';
import { constants as zlib } from 'node:zlib';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createRequire } from 'node:module';
import type { Config } from './config.js';
import type { Store } from './store/port.js';
import { systemClock, type Clock } from './common/time.js';
import { healthRoutes } from './health/routes.js';
import { serializerCompiler, validatorCompiler } from './http/compilers.js';
import { cachingPlugin } from './http/caching.js';
import { createContract } from './http/contract.js';
import { AppError } from './common/errors.js';
import { errorsPlugin } from './http/errors.js';
import { openapiPlugin } from './http/openapi.js';
import { createAnswerCache } from './articles/answer-cache.js';
import { articleRoutes } from './articles/routes.js';
import { createPresenter } from './articles/present.js';
import { revisionRoutes } from './articles/revision-routes.js';
import { createRevisionStore } from './articles/revisions.js';
import { createViewerFactory } from './articles/visibility.js';
import { authPlugin } from './http/auth.js';
import { jsonBodies } from './http/json-body.js';
import { limitsPlugin } from './http/limits.js';
import { loggerOptions } from './http/logging.js';
import type { Principal } from './http/principal.js';
import { apiSecurityHeaders, securityPlugin } from './http/security.js';
import { clientErrorHandler, frameworkErrors } from './http/framework-errors.js';
import { keyRoutes } from './keys/routes.js';
import { createKeyService } from './keys/service.js';
import { relatedLinkRoutes } from './related-links/routes.js';
import { sectionRoutes } from './sections/routes.js';
import { sourceRoutes } from './sources/routes.js';
import { searchRoutes } from './search/routes.js';
import { transferRoutes } from './transfer/routes.js';
import { feedRoutes } from './feeds/routes.js';
import { createPublicUrls } from './feeds/urls.js';
import { ninjsRoutes } from './ninjs/routes.js';
import { createNinjsService } from './ninjs/service.js';
import { sitemapRoutes } from './sitemaps/routes.js';
import { changeRoutes } from './changes/routes.js';
import { createChangeFeed } from './changes/feed.js';
import { createStores } from './stores.js';
import { createReadSides } from './reads.js';
import { webhookRoutes } from './webhooks/routes.js';
import { createWebhookService } from './webhooks/service.js';
import { createWebhookWorker } from './webhooks/worker.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export type Deps = {
  /** The storage port (src/store/port.ts): the SQLite adapter (openSqliteStore). */
  store: Store;
  clock?: Clock;
  /** A pino logger; defaults to fastify's logger at config.logLevel, with credentials redacted (see http/logging.ts). */
  logger?: FastifyServerOptions['loggerInstance'];
};

/** Builds the whole application without listening: production and tests run exactly this. */
export async function buildApp(config: Config, deps: Deps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const securityHeaders = apiSecurityHeaders(config.corsOrigins);
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(config) }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    requestIdHeader: false,
    genReqId: () => crypto.randomUUID(),
    // Errors before routing are problem+json with the security headers too (http/framework-errors.ts).
    frameworkErrors: frameworkErrors(securityHeaders),
    clientErrorHandler: clientErrorHandler(securityHeaders),
    // Our own 503 during the drain (below): problem+json with Retry-After, not fastify's bare JSON.
    return503OnClosing: false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON in, JSON out: anything else is a 415 (fastify would otherwise accept text/plain).
  app.removeContentTypeParser('text/plain');
  jsonBodies(app);
  // Shutdown (SIGTERM, a rolling deploy): requests in flight finish; one that arrives on a kept-alive
  // connection while the server drains is told to go elsewhere, and the connection is closed.
  let closing = false;
  app.addHook('preClose', async () => void (closing = true));
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) {
      throw new AppError('shutting-down', 'This server is shutting down: send the request again (another node of the deployment answers it)', {
        headers: { 'retry-after': '1', connection: 'close' },
      });
    }
  });

  const { store } = deps;
  const onFlushError = (err: unknown) => app.log.warn({ err }, 'could not write the API keys’ lastUsedAt; will try again');
  const keys = createKeyService(store, clock, { onFlushError });
  app.addHook('onClose', async () => keys.flushLastUsed());

  const contract = createContract();
  await app.register(errorsPlugin, { contract });
  // Security headers and CORS go before authentication, so that its 401s carry them too.
  await app.register(securityPlugin, { corsOrigins: config.corsOrigins, docsPrefix: '/docs' });
  await app.register(authPlugin, { authenticate: keys.authenticate, publicRead: config.publicRead });
  await app.register(limitsPlugin, { rateLimit: config.rateLimit, redis: config.redis });
  await app.register(cachingPlugin, config.cache);
  // Brotli's default quality (11) costs more CPU per response than serving it; 4 is near gzip's speed and smaller.
  await app.register(compress, { threshold: 1024, encodings: ['br', 'gzip'], brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } } });
  await app.register(openapiPlugin, { version, serverUrl: config.publicBaseUrl, contract });

  const { changes, sections, sources, articles, links } = createStores(store, clock);
  const worker = createWebhookWorker(store, clock, { ...config.webhooks, publishDue: changes.publishDue, log: app.log });
  app.decorate('webhooks', worker);
  if (config.webhooks.worker) app.addHook('onReady', async () => worker.start());
  // Before the server closes, not in onClose: server.ts closes the database after app.close(),
  // and a delivery in flight must record its attempt while the database is still open.
  app.addHook('preClose', async () => worker.stop());
  // Exact caches (src/articles/answer-cache.ts, src/common/exact-cache.ts): never a stale answer.
  const answers = createAnswerCache(config.articleCacheMb * 1024 * 1024);
  const present = createPresenter(store, links);
  const viewerFor = createViewerFactory(store, clock);
  const viewerOf = (request: { principal: Principal }) => viewerFor(request.principal);
  const { articleUrlTemplate, publicationName, sitemapPageSize } = config.syndication;
  const urls = createPublicUrls(config.publicBaseUrl, articleUrlTemplate);
  // Lists, search, feeds and sitemaps: on the primary, or for anonymous readers on a read replica (src/reads.ts).
  const reads = createReadSides(store, { sections, sources, urls, publicationName, listCacheSize: config.listCacheSize, searchCacheSize: config.searchCacheSize });
  if (store.replica) {
    store.replica.onChange((status) =>
      status.serving ? app.log.info({ replica: status }, 'read replica serves anonymous readers again') : app.log.warn({ replica: status }, `read replica left out: ${status.reason}; readers go to the primary`),
    );
  }

  // Once ready, and not awaited: the check runs while the server listens and serves (src/store/integrity.ts).
  if (config.startupCheck) {
    app.addHook('onReady', async () => {
      void store.integrity.start().then(({ state, message }) => {
        if (state === 'damaged') app.log.error({ integrity: state }, message);
        else if (state === 'incomplete') app.log.warn({ integrity: state }, message);
        else app.log.info({ integrity: state }, message);
      });
    });
  }
  await app.register(healthRoutes, { store });
  await app.register(
    async (v1) => {
      await v1.register(sectionRoutes, { sections });
      await v1.register(sourceRoutes, { sources });
      await v1.register(articleRoutes, { articles, present, listReadsFor: (request) => reads.for(request), viewerOf, sections, sources, answers });
      await v1.register(revisionRoutes, { revisions: createRevisionStore(store.articles), articles, present, viewerOf });
      await v1.register(relatedLinkRoutes, { links, articles, viewerOf });
      await v1.register(keyRoutes, { keys });
      await v1.register(searchRoutes, { searchFor: (request) => reads.for(request).search, viewerOf, sections, sources });
      await v1.register(transferRoutes, {
        importDeps: { store, clock, sections, sources, articles, links },
        sections,
        sources,
        bodyLimit: config.importBodyLimit,
        maxLineBytes: 5 * 1024 * 1024,
        // A database a thread can reach, on the wall clock: imports run on a thread of their own. Tests that fix the clock keep them here.
        importThread: clock === systemClock ? store.thread : null,
      });
      await v1.register(feedRoutes, { loadFor: (request) => reads.for(request).feeds, urls, viewerOf });
      await v1.register(changeRoutes, { feed: createChangeFeed(store.feed, changes.publishDue), viewerOf });
      await v1.register(webhookRoutes, { webhooks: createWebhookService(store, clock, config.webhooks) });
      await v1.register(ninjsRoutes, { articles, ninjsOf: createNinjsService({ articles, present, sections, urls }), viewerOf });
    },
    { prefix: '/v1' },
  );
  // Search engines look for sitemaps at the root, not under /v1.
  await app.register(sitemapRoutes, { storeFor: (request) => reads.for(request).sitemaps, urls, viewerOf, publicationName, pageSize: sitemapPageSize, publicRead: config.publicRead });
  return app;
}
