import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { migrateDatabase, openDatabase } from './db/connection.js';
import { loadDemo } from './demo/seed.js';
import { bootstrapKeys } from './keys/bootstrap.js';
import { createKeyStore } from './keys/store.js';
import { systemClock } from './common/time.js';

/**
 * Opens and migrates the database, loads the demo content on a first run, listens, and
 * shuts down gracefully on SIGTERM/SIGINT: stop accepting, finish in-flight requests, close the database.
 */
export async function startServer(config: Config): Promise<FastifyInstance> {
  const db = openDatabase(config.databasePath);
  const { fresh } = migrateDatabase(db);
  const app = await buildApp(config, { db });
  await bootstrapKeys(createKeyStore(db, systemClock), config.adminKey, app.log);
  if (fresh && config.demo) {
    const loaded = await loadDemo(db);
    app.log.info(loaded, 'first run: loaded the demo content from the seed page (MASTHEAD_DEMO=off to skip)');
  }
  app.addHook('onClose', async () => db.$client.close());
  await app.ready();
  await app.listen({ port: config.port, host: config.host });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
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
