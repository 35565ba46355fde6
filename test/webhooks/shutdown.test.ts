// SQLite-specific: apps on a SQLite file, closed and reopened, as the server runs them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import type { Store } from '../../src/store/port.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { createSqliteStore, openSqliteStore } from '../../src/store/sqlite/store.js';
import { createKey, testClock, type TestApp } from '../helpers/app.js';
import { factories } from '../helpers/factories.js';
import { deliveryLog } from '../helpers/store-rows.js';
import { register } from './helpers.js';
import { startReceiver } from './receiver.js';

const webhooks = { ...testConfig().webhooks, allowPrivate: true, timeoutMs: 500 };

/** An app on a database file, as the server runs it; `closeDbOnClose` closes the file in an onClose hook, as server.ts used to. */
async function fileApp(path: string, clock = testClock()) {
  const db = openDatabase(path);
  migrateDatabase(db);
  const store = createSqliteStore(db);
  const app = await buildApp(testConfig({ webhooks }), { store, clock });
  app.addHook('onClose', async () => db.$client.close());
  await app.ready();
  const admin = (await createKey(store, clock, { scope: 'admin' })).header;
  const write = (await createKey(store, clock, { scope: 'write' })).header;
  const ctx = { app, db, store, clock, auth: { admin, write, read: write } } as TestApp;
  return ctx;
}

const rows = async (store: Store, webhookId: number) =>
  (await deliveryLog(store, webhookId)).map((d) => ({ type: d.eventType, status: d.status, attempts: d.attempts, error: d.lastError }));

t.test('a delivery in flight when the app closes records its attempt before the database closes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'masthead-hooks-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const receiver = await startReceiver(t, { behaviour: () => 'hang' });
  const ctx = await fileApp(join(dir, 'db.sqlite'));
  const hook = await register(ctx, receiver.url, ['section.created']);
  receiver.useSecret(hook.secret);
  await factories(ctx).section();
  const pass = ctx.app.webhooks.runOnce();
  await receiver.until(1);
  // The database closes in an onClose hook (registered last, so run first): the worker must be stopped before it.
  await ctx.app.close();
  await pass;
  const { store } = openSqliteStore(join(dir, 'db.sqlite'));
  t.teardown(() => store.close());
  t.match(await rows(store, hook.id), [{ type: 'section.created', status: 'pending', attempts: 1, error: /timed out|timeout/i }], 'the attempt is recorded');
});

t.test('after kill -9, events claimed but never attempted go out first, in order, at the next start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'masthead-hooks-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const receiver = await startReceiver(t);
  const path = join(dir, 'db.sqlite');
  const first = await fileApp(path);
  const hook = await register(first, receiver.url, ['section.created']);
  receiver.useSecret(hook.secret);
  await factories(first).section({ slug: 'a', name: '甲' });
  await factories(first).section({ slug: 'b', name: '乙' });
  // The dead process's claim (worker.ts `claimDue`): the endpoint leased for timeout + 60 s, neither event attempted.
  const now = first.clock();
  const claimed = await first.store.write((tx) => tx.deliveryQueue.lease('a worker killed with -9', now, now + webhooks.timeoutMs + 60_000, { endpoints: 10, batch: 20 }));
  t.equal(claimed.length, 1, 'the endpoint is leased to the process that dies');
  // Written after the crash's claim: due now, and later in the order.
  await first.app.close();
  const second = await fileApp(path, first.clock);
  t.teardown(() => second.app.close());
  await factories(second).section({ slug: 'c', name: '丙' });
  second.app.webhooks.start();
  await second.app.webhooks.runOnce();
  t.same(
    receiver.received.map((r) => (r.payload?.data as { slug: string }).slug),
    ['a', 'b', 'c'],
    'the released events first, in event order, not ~60 s later after c',
  );
  t.ok((await rows(second.store, hook.id)).every((r) => r.status === 'succeeded'));
});
