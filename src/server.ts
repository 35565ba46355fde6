import { setFlagsFromString } from 'node:v8';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { openStore } from './store/open.js';
import { loadDemo } from './demo/seed.js';
import { bootstrapKeys } from './keys/bootstrap.js';
import { createKeyService } from './keys/service.js';
import { systemClock } from './common/time.js';

/**
 * The serving connection's SQLite page cache. The operating system caches the file too, so a large
 * cache mostly holds pages twice: at 100k articles, 32 MiB served no more requests per CPU second
 * than 8 or 2 MiB and cost 24 MB more RSS. 8 MiB still keeps every interior page of every index
 * (3.8 MiB at 100k) and the hottest leaves.
 */
const PAGE_CACHE_MIB = 8;

/**
 * V8 lets the old generation grow to up to 4× what survived the last full collection when the
 * machine has several GB, so under load the heap fills with garbage that a collection would free
 * (at 100k articles: 45 MB live, 136 MB of old space at the peak). A smaller factor collects
 * sooner. Set at run time so that every way of starting the server gets it, not only those that
 * pass node flags; V8 reads this flag at each collection. 0 leaves V8's own factor.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * Opens and migrates the database, loads the demo content on a first run, listens, and
 * shuts down gracefully on SIGTERM/SIGINT: stop accepting, finish in-flight requests, close the database.
 */
export async function startServer(config: Config): Promise<FastifyInstance> {
  limitHeapGrowth(config.heapGrowingPercent);
  const { store, fresh, notices } = await openStore({ databasePath: config.databasePath, postgres: config.postgres, cacheMiB: PAGE_CACHE_MIB });
  const app = await buildApp(config, { store });
  for (const { level, message } of notices) app.log[level](message);
  await bootstrapKeys(createKeyService(store, systemClock), config.adminKey, app.log);
  if (fresh && config.demo) {
    const loaded = await loadDemo(store);
    app.log.info(loaded, 'first run: loaded the demo content from the seed page (MASTHEAD_DEMO=off to skip)');
  }
  // After app.close(), not in an onClose hook: those run last-registered first, so this one would
  // close the database before the hooks of buildApp (webhook worker, lastUsedAt) had run.
  const close = async () => {
    await app.close();
    await store.close();
  };
  await app.ready();
  await app.listen({ port: config.port, host: config.host });
  store.startUpkeep((err) => app.log.warn({ err }, 'search index upkeep failed (folding recent entries into the RUM index); trying again'));

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return app;
}
