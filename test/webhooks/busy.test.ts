// SQLite-specific: a second connection holds the SQLite write lock (BEGIN IMMEDIATE) to make the worker busy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { createKey, testClock, type TestApp } from '../helpers/app.js';
import { factories } from '../helpers/factories.js';
import { register } from './helpers.js';
import { startReceiver } from './receiver.js';

t.test('while another connection holds the write lock (an import’s thread), the worker skips its pass instead of blocking the request loop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'masthead-busy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'db.sqlite');
  const db = openDatabase(path);
  migrateDatabase(db);
  const clock = testClock();
  const store = createSqliteStore(db);
  const app = await buildApp(testConfig({ webhooks: { ...testConfig().webhooks, allowPrivate: true, timeoutMs: 500 } }), { store, clock });
  t.teardown(async () => {
    await app.close();
    db.$client.close();
  });
  const admin = (await createKey(store, clock, { scope: 'admin' })).header;
  const ctx = { app, db, store, clock, auth: { admin, write: admin, read: admin } } as TestApp;
  const receiver = await startReceiver(t);
  const hook = await register(ctx, receiver.url, ['section.created']);
  receiver.useSecret(hook.secret);
  await factories(ctx).section();

  const other = openDatabase(path);
  t.teardown(() => other.$client.close());
  other.$client.exec('BEGIN IMMEDIATE');
  const started = performance.now();
  t.same(await app.webhooks.runOnce(), { delivered: 0, failed: 0 }, 'nothing claimed while the lock is held');
  t.ok(performance.now() - started < 1000, 'and no waiting out the 5 s busy timeout');
  t.equal(db.$client.pragma('busy_timeout', { simple: true }), 5000, 'the connection’s busy timeout is back');
  other.$client.exec('COMMIT');
  t.same(await app.webhooks.runOnce(), { delivered: 1, failed: 0 }, 'delivered once the lock is free');
});
