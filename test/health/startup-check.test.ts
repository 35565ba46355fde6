// SQLite-specific: the start-up check of a SQLite file (PRAGMA quick_check on a thread), on files made and damaged here.
import { closeSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { capturingLogger } from '../helpers/log-capture.js';

const PAGE = 4096;

/** A migrated database file with sections enough to fill a few hundred pages, closed. */
function databaseFile(dir: string): string {
  const path = join(dir, 'm.db');
  const db = openDatabase(path);
  migrateDatabase(db);
  const insert = db.$client.prepare("INSERT INTO sections (slug, name, description, created_at, updated_at) VALUES (?, '天津', ?, 0, 0)");
  db.$client.transaction(() => {
    for (let n = 0; n < 3000; n++) insert.run(`s-${n}`, '政情'.repeat(40));
  })();
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
  db.$client.close();
  return path;
}

/** Garbage over the leaf pages of one table (found with dbstat), none of its indexes' and never its root. */
function damageTable(path: string, table: string): number {
  const db = openDatabase(path, { readonly: true });
  const pages = db.$client.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno").pluck().all(table) as number[];
  db.$client.close();
  const fd = openSync(path, 'r+');
  const hit = pages.filter((_, i) => i % 4 === 1);
  for (const page of hit) writeSync(fd, Buffer.alloc(PAGE, 0xa5), 0, PAGE, (page - 1) * PAGE);
  closeSync(fd);
  return hit.length;
}

/** The app on the file, with the start-up check on (testConfig turns it off) unless told, and what it logs. */
async function appOn(t: Test, path: string, { startupCheck = true, pauseMs = 0 } = {}) {
  const { store } = openSqliteStore(path, { quickCheck: { pauseMs, cacheMiB: 2, nice: 19 } });
  const log = capturingLogger();
  const app = await buildApp(testConfig({ startupCheck }), { store, logger: log.logger });
  t.teardown(async () => {
    await app.close();
    await store.close();
  });
  return { app, store, log };
}

const readyz = async (app: Awaited<ReturnType<typeof buildApp>>) => {
  const res = await app.inject('/readyz');
  return { status: res.statusCode, type: res.headers['content-type'], body: res.json() };
};

t.test('a healthy file: checking, then ok, with the tables counted and the time taken; one info line', async (t) => {
  const { app, store, log } = await appOn(t, databaseFile(t.testdir()), { pauseMs: 20 });
  await app.ready();
  const during = await readyz(app);
  t.equal(during.status, 200);
  t.match(during.body.integrity, { state: 'checking', tookMs: null, reason: null });
  const outcome = await store.integrity.start();
  t.equal(outcome.state, 'ok');
  const after = await readyz(app);
  t.equal(after.status, 200);
  t.match(after.body.integrity, { state: 'ok', reason: null });
  t.ok(after.body.integrity.checked > 10 && after.body.integrity.checked === after.body.integrity.total, 'every table, FTS5 shadow tables among them');
  t.type(after.body.integrity.tookMs, 'number');
  t.match(log.text(), /start-up integrity check: ok, \d+ objects of \d+ checked in [\d.]+ m?s/);
});

t.test('damaged pages of one table: readiness 503 database-damaged naming the table, one error line; other routes still answer', async (t) => {
  const path = databaseFile(t.testdir());
  t.ok(damageTable(path, 'sections') > 10);
  const { app, store, log } = await appOn(t, path);
  await app.ready();
  t.equal((await store.integrity.start()).state, 'damaged');
  const res = await readyz(app);
  t.equal(res.status, 503);
  t.match(res.type, /^application\/problem\+json/);
  t.match(res.body, { status: 503, code: 'database-damaged', detail: /^The start-up check found damage: table sections: .+Restore a backup \(masthead restore\)/ });
  t.notMatch(res.body.detail, /table (api_keys|articles|change_events)\b/, 'only the damaged table is named');
  const errors = log.lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
  t.equal(errors.length, 1, 'one error line');
  t.match(errors[0]!.msg, /table sections/);
  t.equal((await app.inject('/healthz')).statusCode, 200, 'liveness does not depend on it');
});

t.test('DATABASE_STARTUP_CHECK=off: no check, state off with the reason', async (t) => {
  const { app } = await appOn(t, databaseFile(t.testdir()), { startupCheck: false });
  await app.ready();
  const res = await readyz(app);
  t.equal(res.status, 200);
  t.same(res.body.integrity, { state: 'off', checked: 0, total: null, tookMs: null, reason: 'not started (DATABASE_STARTUP_CHECK=off)' });
});

t.test('an in-memory database is not checked: state off', async (t) => {
  const { store } = openSqliteStore(':memory:');
  t.teardown(() => store.close());
  t.equal((await store.integrity.start()).state, 'off');
  t.match(store.integrity.sound(), { state: 'off', reason: 'an in-memory database is not checked' });
});

t.test('a check that cannot run (the file was deleted under the server): incomplete, saying why; one warning; still ready', async (t) => {
  const path = databaseFile(t.testdir());
  const { app, store, log } = await appOn(t, path);
  unlinkSync(path);
  await app.ready();
  t.equal((await store.integrity.start()).state, 'incomplete');
  const res = await readyz(app);
  t.equal(res.status, 200);
  t.match(res.body.integrity, { state: 'incomplete', checked: 0, reason: /^the check could not finish: .*m\.db could not be opened .*moved or deleted/ });
  t.match(log.text(), /"level":40.*start-up integrity check incomplete/);
});

t.test('a store closed while its check runs: the check stops, incomplete', async (t) => {
  const { store } = openSqliteStore(databaseFile(t.testdir()), { quickCheck: { pauseMs: 200, cacheMiB: 2, nice: 19 } });
  const running = store.integrity.start();
  await store.close();
  t.match(await running, { state: 'incomplete', message: /the store was closed/ });
});

/** Each thread's nice value (field 19 of /proc/self/task/TID/stat, counted after the command name). */
const niceOfThreads = () =>
  new Map(
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])] as const;
    }),
  );

t.test('the check thread runs at the lowest priority; the request loop keeps its own (Linux: nice is per thread)', { skip: process.platform !== 'linux' && 'Linux only' }, async (t) => {
  t.equal(niceOfThreads().get(process.pid), 0, 'the main thread starts at 0');
  const { store } = openSqliteStore(databaseFile(t.testdir()), { quickCheck: { pauseMs: 100, cacheMiB: 2, nice: 19 } });
  t.teardown(() => store.close());
  const running = store.integrity.start();
  let niced: number[] = [];
  for (let i = 0; i < 100 && niced.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    niced = [...niceOfThreads()].filter(([, nice]) => nice === 19).map(([tid]) => tid);
  }
  t.equal(niced.length, 1, 'one thread at nice 19: the check');
  t.equal(niceOfThreads().get(process.pid), 0, 'the main thread still at 0');
  t.equal((await running).state, 'ok');
});
