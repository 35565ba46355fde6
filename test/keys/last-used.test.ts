// SQLite-specific: a TEMP TRIGGER simulates a full disk on the api_keys update.
import t from 'tap';
import type { Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { createKeyService, type LastUsedWriter } from '../../src/keys/service.js';
import { call, createKey, testClock } from '../helpers/app.js';
import { capturingLogger } from '../helpers/log-capture.js';

function setup(t: Test) {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  t.teardown(() => db.$client.close());
  const clock = testClock();
  const storage = createSqliteStore(db);
  const lastUsed = async (id: number) => (await storage.keys.byId(id))?.lastUsedAt;
  return { db, storage, clock, lastUsed };
}

t.test('lastUsedAt moves at most once a minute per key, and is written in one go when flushed', async (t) => {
  const { storage, clock, lastUsed } = setup(t);
  const writes: Map<number, number>[] = [];
  const store = createKeyService(storage, clock);
  const a = await store.create({ name: 'a', scope: 'read' });
  const b = await store.create({ name: 'b', scope: 'read' });
  const spy = createKeyService(storage, clock, { flushMs: 60_000, writeLastUsed: (uses) => void writes.push(new Map(uses)) });
  await spy.authenticate(a.secret);
  await spy.authenticate(b.secret);
  t.equal(await lastUsed(a.id), null, 'nothing written during the request');
  await spy.flushLastUsed();
  t.same(writes, [new Map([[a.id, clock.now], [b.id, clock.now]])], 'both uses in one write');

  const real = createKeyService(storage, clock, { flushMs: 60_000 });
  await real.authenticate(a.secret);
  const first = clock.now;
  await real.flushLastUsed();
  t.equal(await lastUsed(a.id), first);
  clock.advance(30_000);
  await real.authenticate(a.secret);
  await real.flushLastUsed();
  t.equal(await lastUsed(a.id), first, 'not moved within the minute');
  clock.advance(31_000);
  await real.authenticate(a.secret);
  await real.flushLastUsed();
  t.equal(await lastUsed(a.id), clock.now, 'moved once a minute has passed');
});

t.test('a failing lastUsedAt write never fails authentication; it is reported and tried again', async (t) => {
  const { storage, clock, lastUsed } = setup(t);
  const key = await createKeyService(storage, clock).create({ name: 'reader', scope: 'read' });
  const errors: unknown[] = [];
  let full = true;
  const real: LastUsedWriter = (uses) => storage.write((tx) => tx.keys.recordUses(uses));
  const store = createKeyService(storage, clock, {
    flushMs: 0,
    writeLastUsed: (uses) => {
      if (full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return real(uses);
    },
    onFlushError: (error) => errors.push(error),
  });
  const row = await store.authenticate(key.secret);
  t.equal(row?.id, key.id, 'authenticated despite the failed write');
  t.equal(errors.length, 1);
  t.match(errors[0], { code: 'SQLITE_FULL' });
  t.equal(await lastUsed(key.id), null);
  full = false;
  await store.flushLastUsed();
  t.equal(await lastUsed(key.id), clock.now, 'the use was kept and written once the disk had room');
});

t.test('with the disk full, a read key’s GET answers 200 and the failed write is logged', async (t) => {
  const { db, storage, clock } = setup(t);
  const capture = capturingLogger();
  const app = await buildApp(testConfig(), { store: storage, clock, logger: capture.logger });
  t.teardown(() => app.close());
  const read = await createKey(storage, clock, { scope: 'read' });
  // The fault, injected in the database: every write to api_keys fails as a full disk does.
  db.$client.exec("CREATE TEMP TRIGGER disk_full BEFORE UPDATE ON api_keys BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END");
  const res = await call(app, { method: 'GET', url: '/v1/sections', headers: read.header });
  t.equal(res.status, 200);
  t.same(res.body.data, []);
  await app.close();
  t.match(capture.text(), /could not write the API keys’ lastUsedAt/, 'logged when the flush failed (on close here)');
});
