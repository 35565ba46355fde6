// SQLite-specific: a dry run on a SQLite file must leave the file (after a WAL checkpoint) and its TEMP tables untouched.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { createKey, testClock, type TestApp } from '../helpers/app.js';
import { NDJSON, ndjson, seedRecords } from './fixtures.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';

/** The app on a database file, so that "unchanged" can mean the same bytes on disk. */
async function fileApp(t: Test): Promise<TestApp & { file: string }> {
  const file = join(t.testdir(), 'masthead.db');
  const db = openDatabase(file);
  migrateDatabase(db);
  const clock = testClock();
  const store = createSqliteStore(db);
  const app = await buildApp(testConfig(), { store, clock });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    db.$client.close();
  });
  const auth = { admin: (await createKey(store, clock, { scope: 'admin' })).header, write: (await createKey(store, clock, { scope: 'write' })).header, read: (await createKey(store, clock, { scope: 'read' })).header };
  return { app, db, store, clock, auth, file };
}

/** Checkpoints the WAL into the file (so every committed change is in it), then hashes the file. */
function fingerprint(ctx: { db: TestApp['db']; file: string }) {
  ctx.db.$client.pragma('wal_checkpoint(TRUNCATE)');
  return createHash('sha256').update(readFileSync(ctx.file)).digest('hex');
}

const statuses = (body: string) =>
  body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.line !== undefined)
    .map((r) => ({ line: r.line, status: r.status, problems: r.problems }))
    .sort((a, b) => a.line - b.line);

t.test('a dry run reports what the import would do and leaves the database file byte for byte unchanged', async (t) => {
  const ctx = await fileApp(t);
  const post = (query: string, body: string) => ctx.app.inject({ method: 'POST', url: `/v1/import${query}`, headers: { ...ctx.auth.write, ...NDJSON }, payload: body });
  await post('', ndjson(seedRecords()));
  const file = ndjson([
    ...seedRecords().slice(0, 3),
    { ...seedRecords()[3], title: '甘肃省党政代表团来津考察(更新)' },
    { type: 'section', slug: 'fazhi', name: '法治', parent: 'tianjin' },
    // With batchSize=1 each line is its own (rolled back) batch: these need the section of an earlier batch ...
    { type: 'article', externalId: 'new-1', title: '法治新闻', section: 'fazhi', relatedLinks: [{ externalId: 'new-2' }] },
    // ... and an article of a later one.
    { type: 'article', externalId: 'new-2', title: '法治新闻二', section: 'fazhi', relatedLinks: [{ externalId: 'new-1' }, { externalId: 'never' }] },
    { type: 'article', externalId: 'new-3', title: '无处', section: 'nowhere' },
  ]);
  const before = fingerprint(ctx);
  const dry = await post('?dryRun=true&batchSize=1&report=lines', file);
  t.equal(dry.statusCode, 200);
  const summary = JSON.parse(dry.body.trim().split('\n').pop()!);
  t.same(summary, { summary: { created: 2, updated: 1, unchanged: 3, failed: 2, lines: 8, dryRun: true } });
  t.notOk(dry.body.includes('"id"'), 'a dry run has no ids to report');
  t.equal(fingerprint(ctx), before, 'the file did not change');
  t.same(ctx.db.$client.prepare("SELECT name FROM sqlite_temp_master WHERE type = 'table'").all(), [], 'no temp table is left behind');

  const real = await post('?batchSize=1&report=lines', file);
  t.same(statuses(real.body), statuses(dry.body), 'the real import does what the dry run said, line for line');
  t.not(fingerprint(ctx), before);
});

t.test('a summary dry run of a new file', async (t) => {
  const ctx = await fileApp(t);
  // The key's first use writes its lastUsedAt; that write is the auth's, not the import's.
  await ctx.app.inject({ method: 'GET', url: '/v1/sections', headers: ctx.auth.write });
  const before = fingerprint(ctx);
  const res = await ctx.app.inject({ method: 'POST', url: '/v1/import?dryRun=true', headers: { ...ctx.auth.write, ...NDJSON }, payload: ndjson(seedRecords()) });
  t.same(JSON.parse(res.body), { created: 5, updated: 0, unchanged: 0, failed: 0, lines: 5, dryRun: true, errors: [], errorsTruncated: false });
  t.equal(fingerprint(ctx), before);
});
