// PostgreSQL-specific: masthead copy between a SQLite file and PostgreSQL databases made for the test, and its refusals.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { openStore, type StoreConfig } from '../../src/store/open.js';
import { call, createKey, testClock, type TestClock } from '../helpers/app.js';
import { hasStack, runCli } from '../helpers/cli.js';
import { emptyDatabase, freshDatabase } from '../helpers/postgres.js';
import { startReceiver } from '../webhooks/receiver.js';

const configOf = (where: string): StoreConfig =>
  where.startsWith('postgres') ? { databasePath: '', postgres: { url: where, poolSize: 4, statementTimeoutMs: 30_000, connectTimeoutMs: 15_000 } } : { databasePath: where };

/** An app on the database `where` names, closed (store and all) by `close`. */
async function appOn(where: string, clock: TestClock) {
  const { store } = await openStore(configOf(where));
  const app = await buildApp(testConfig({ webhooks: { ...testConfig().webhooks, allowPrivate: true, timeoutMs: 500 } }), { store, clock });
  await app.ready();
  return { app, store, close: async () => (await app.close(), await store.close()) };
}

type Auth = Record<'admin' | 'write' | 'read', { authorization: string }>;
type Seeded = { auth: Auth; a: number; oldSlug: string; midCursor: string; hookId: number; hookSecret: string };

const TITLE = '甘肃省党政代表团来津考察';
const BODY = '<p>天津港 😀👨‍👩‍👧 e\u0301 ﬁ 𠀀</p>';

/** A newsroom made through the API: sections, a source, articles (one renamed, one trashed), revisions, links, keys, a webhook with deliveries. */
async function seed(t: Test, where: string, clock: TestClock, hookUrl: string): Promise<Seeded> {
  const { app, store, close } = await appOn(where, clock);
  const auth = {
    admin: (await createKey(store, clock, { scope: 'admin' })).header,
    write: (await createKey(store, clock, { scope: 'write' })).header,
    read: (await createKey(store, clock, { scope: 'read' })).header,
  };
  const post = async (url: string, payload: object, headers = auth.write) => {
    const res = await call(app, { method: 'POST', url, payload, headers });
    if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const hook = await post('/v1/webhooks', { url: `${hookUrl}/hooks`, events: ['*'] }, auth.admin);
  const tianjin = await post('/v1/sections', { name: '天津', slug: 'tianjin' });
  const source = await post('/v1/sources', { name: '天津日报', slug: 'tianjin-daily', kind: 'newspaper' });
  const a = await post('/v1/articles', { title: TITLE, body: BODY, sectionId: tianjin.id, sourceId: source.id, tags: ['天津', '经济 😀'], status: 'published', publishedAt: '2026-11-27T07:00:00.000Z' });
  const b = await post('/v1/articles', { title: '滨海新区协作', sectionId: tianjin.id, status: 'published', publishedAt: '2026-11-27T06:00:00.000Z' });
  const c = await post('/v1/articles', { title: '草稿', sectionId: tianjin.id, status: 'draft' });
  await post(`/v1/articles/${a.id}/related-links`, { targetArticleId: b.id });
  await post(`/v1/articles/${a.id}/related-links`, { url: 'https://example.com/背景?q=津', title: '背景 é' });
  const midCursor = (await call(app, { method: 'GET', url: '/v1/changes?limit=4', headers: auth.write })).body.page.nextCursor as string;
  clock.advance(60_000);
  const current = (await call(app, { method: 'GET', url: `/v1/articles/${a.id}`, headers: auth.write })).body;
  const renamed = await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, payload: { slug: 'gansu-delegation', summary: '摘要' }, headers: { ...auth.write, 'if-match': `"${current.version}"` } });
  t.equal(renamed.status, 200, 'renamed');
  t.equal((await call(app, { method: 'DELETE', url: `/v1/articles/${c.id}`, headers: auth.write })).status, 204, 'trashed');
  t.match(await app.webhooks.runOnce(), { delivered: 0 }, 'the receiver answers 503: the delivery waits for a retry');
  await close();
  return { auth, a: a.id, oldSlug: a.slug, midCursor, hookId: hook.id, hookSecret: hook.secret };
}

/** What the API answers about the newsroom, as a client sees it (feed cursors left out: they are each database's own). */
async function observe(where: string, clock: TestClock, s: Seeded) {
  const { app, close } = await appOn(where, clock);
  const get = async (url: string, headers: object = {}) => {
    const res = await call(app, { method: 'GET', url, headers: headers as Record<string, string> });
    return { status: res.status, body: res.body, location: res.headers.location };
  };
  const events = (body: { data: { cursor: string }[] }) => body.data.map(({ cursor: _cursor, ...event }) => event);
  const seen = {
    article: await get(`/v1/articles/${s.a}?include=section,source,relatedLinks`),
    oldSlug: await get(`/v1/articles/slug/${s.oldSlug}`),
    revisions: await get(`/v1/articles/${s.a}/revisions`, s.auth.write),
    trash: await get('/v1/articles?deleted=true', s.auth.write),
    list: await get('/v1/articles', s.auth.write),
    search: (await get(`/v1/search?q=${encodeURIComponent('甘肃')}`)).body.data.map((hit: { id: number }) => hit.id),
    feed: events((await get('/v1/changes?limit=100', s.auth.write)).body),
    readerFeed: events((await get('/v1/changes?limit=100', s.auth.read)).body),
    fromMid: events((await get(`/v1/changes?limit=100&since=${s.midCursor}`, s.auth.write)).body),
    keys: (await get('/v1/keys', s.auth.admin)).body.data.map(({ lastUsedAt: _used, ...key }: { lastUsedAt: unknown }) => key),
    webhook: (await get(`/v1/webhooks/${s.hookId}`, s.auth.admin)).body,
    deliveries: (await get(`/v1/webhooks/${s.hookId}/deliveries?limit=100`, s.auth.admin)).body.data,
    readKey: (await get('/v1/articles?limit=1', s.auth.read)).status,
    badKey: (await get('/v1/articles?limit=1', { authorization: `Bearer mh_${'x'.repeat(43)}` })).status,
  };
  await close();
  return seen;
}

/** The copy succeeded, verified every table, and printed the short table. */
function copied(t: Test, run: Awaited<ReturnType<typeof runCli>>) {
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /^table\s+rows\s+copied\s+checksum\s+copied checksum\n/);
  t.match(run.stdout, /\narticles\s+3\s+3\s+([0-9a-f]{16})\s+\1\s+ok\n/, 'articles: 3 on both sides, the same checksum');
  t.match(run.stdout, /\nchange_events\s+(\d+)\s+\1\s+([0-9a-f]{16})\s+\2\s+ok\n/);
  t.notMatch(run.stdout, /DIFFERS/);
  t.match(run.stdout, /counts and checksums verified/);
  t.match(run.stderr, /copy articles: 3 rows \(of 3\)/, 'progress on stderr, table by table');
}

t.test('a newsroom copied from SQLite to PostgreSQL and back answers the same, keys, webhooks and feed cursors included', async (t) => {
  const receiver = await startReceiver(t, { behaviour: () => 503 });
  const clock = testClock();
  const dir = t.testdir();
  const sqlite = join(dir, 'newsroom.db');
  const s = await seed(t, sqlite, clock, receiver.url);
  const before = await observe(sqlite, clock, s);
  t.equal(before.oldSlug.status, 308, 'the old slug redirects');
  t.same(before.search, [s.a], 'search finds the CJK article');
  t.equal(before.trash.body.data.length, 1, 'one article in the trash');
  t.ok(before.revisions.body.data.length >= 1, 'a revision');
  t.ok(before.fromMid.length > 0 && before.fromMid.length < before.feed.length, 'the mid cursor is inside the feed');
  t.ok(before.deliveries.length >= 10, `deliveries in the log (${before.deliveries.length})`);
  t.ok(before.deliveries.some((d: { status: string; attempts: number }) => d.status === 'pending' && d.attempts === 1), 'one tried and waiting for its retry');
  t.equal(before.readKey, 200);
  t.equal(before.badKey, 401);

  const pg = await emptyDatabase(t);
  copied(t, await runCli(['copy', '--from', sqlite, '--to', pg]));
  t.same(await observe(pg, clock, s), before, 'PostgreSQL answers as the SQLite file did');

  const back = join(dir, 'back.db');
  copied(t, await runCli(['copy', '--from', pg, '--to', back]));
  t.same(await observe(back, clock, s), before, 'and so does the SQLite file copied back');

  const exports = await Promise.all([runCli(['export', '--database', sqlite]), runCli(['export'], { env: { DATABASE_URL: pg } }), runCli(['export', '--database', back])]);
  t.ok(exports[0]!.stdout.includes(TITLE));
  t.equal(exports[1]!.stdout, exports[0]!.stdout, 'PostgreSQL exports the bytes the source did');
  t.equal(exports[2]!.stdout, exports[0]!.stdout, 'so does the copy back');

  // A cursor handed out by PostgreSQL goes on in the file copied from it.
  const { app, close } = await appOn(pg, clock);
  const pgMid = (await call(app, { method: 'GET', url: '/v1/changes?limit=3', headers: s.auth.write })).body.page.nextCursor as string;
  const pgRest = (await call(app, { method: 'GET', url: `/v1/changes?limit=100&since=${pgMid}`, headers: s.auth.write })).body.data;
  await close();
  const onBack = await appOn(back, clock);
  const backRest = (await call(onBack.app, { method: 'GET', url: `/v1/changes?limit=100&since=${pgMid}`, headers: s.auth.write })).body.data;
  t.same(
    backRest.map(({ cursor: _c, ...e }: { cursor: string }) => e),
    pgRest.map(({ cursor: _c, ...e }: { cursor: string }) => e),
    'a PostgreSQL cursor continues on the file, nothing skipped or repeated',
  );

  // New rows get ids after the copied ones, and the webhook signs with the secret it had.
  const made = await call(onBack.app, { method: 'POST', url: '/v1/sections', payload: { name: '新栏目' }, headers: s.auth.write });
  t.equal(made.status, 201);
  receiver.useSecret(s.hookSecret);
  receiver.answer(() => 204);
  const sent = receiver.received.length;
  clock.advance(3_600_000);
  const run = await onBack.app.webhooks.runOnce();
  t.equal(run.delivered, before.deliveries.length + 1, `the waiting deliveries go out, and the new section's (${run.delivered})`);
  const arrived = receiver.received.slice(sent);
  t.ok(arrived.length > 0 && arrived.every((r) => r.verified), 'signed with the secret the webhook had on the source');
  t.equal(arrived[0]!.headers['webhook-id'], before.deliveries.at(-1)!.eventId, 'the first waiting event first, with its webhook-id');
  await onBack.close();

  const onPg = await appOn(pg, clock);
  const ids = await Promise.all(
    [['/v1/sections', { name: '新栏目' }], ['/v1/articles', { title: '新文章', sectionId: before.article.body.section.id }]].map(async ([url, payload]) =>
      (await call(onPg.app, { method: 'POST', url: url as string, payload: payload as object, headers: s.auth.write })).body.id as number),
  );
  t.ok(ids[0]! > before.article.body.section.id, `a new section on PostgreSQL gets a new id (${ids[0]})`);
  t.equal(ids[1], 4, 'a new article on PostgreSQL gets the id after the copied ones');
  await onPg.close();
});

t.test('a copy refuses in one line: no source file, an unreachable PostgreSQL, a newer or non-empty destination, bad arguments', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'src.db');
  const made = await runCli(['migrate'], { env: { DATABASE_PATH: file } });
  t.equal(made.code, 0, made.stderr);
  const fails = async (args: string[], code: number, message: RegExp, what: string) => {
    const run = await runCli(['copy', ...args]);
    t.equal(run.code, code, `${what}: exit ${code}`);
    t.match(run.stderr, message, what);
    t.notOk(hasStack(run.stderr), `${what}: no stack`);
    return run;
  };

  await fails(['--from', join(dir, 'missing.db'), '--to', join(dir, 'new.db')], 2, /^\S+missing\.db: no such database\n$/, 'a missing source');
  t.notOk(existsSync(join(dir, 'new.db')), 'no destination file made');
  const down = await fails(['--from', 'postgres://masthead:secret@127.0.0.1:1/news', '--to', join(dir, 'new.db')], 1, /^PostgreSQL at 127\.0\.0\.1:1\/news refused the connection/, 'an unreachable source');
  t.equal(down.stderr.trim().split('\n').length, 1, 'one line');
  t.notMatch(down.stderr, /secret/, 'never the password');
  t.notOk(existsSync(join(dir, 'new.db')), 'no destination file made');
  await fails(['--from', file, '--to', 'postgres://postgres@127.0.0.1:1/news'], 1, /^PostgreSQL at 127\.0\.0\.1:1\/news refused the connection/, 'an unreachable destination');

  const pg = await freshDatabase(t);
  await fails(['--from', file, '--to', `${pg}_missing`], 1, /the database does not exist/, 'a destination database that does not exist');
  const keyed = await runCli(['keys', 'create', '--name', 'x', '--scope', 'read'], { env: { DATABASE_URL: pg } });
  t.equal(keyed.code, 0, keyed.stderr);
  await fails(['--from', file, '--to', pg], 2, /^PostgreSQL 127\.0\.0\.1:5432\/\S+: not empty \(api_keys has rows\)/, 'a PostgreSQL destination with a key');
  const list = await runCli(['keys', 'list'], { env: { DATABASE_URL: pg } });
  t.equal(list.stdout.trim().split('\n').length, 2, 'the destination is as it was: its one key');

  const other = join(dir, 'other.db');
  await runCli(['keys', 'create', '--name', 'y', '--scope', 'read'], { env: { DATABASE_PATH: other } });
  await fails(['--from', file, '--to', other], 2, /other\.db: not empty \(api_keys has rows\)/, 'a SQLite destination with a key');

  await fails(['--to', other], 2, /copy needs --from and --to/, 'no --from');
  await fails(['--from', file, '--to', file], 2, /--from and --to name the same database/, 'the same database');
  await fails(['--from', file, '--to', other, 'extra'], 2, /unexpected argument extra/, 'a stray argument');
});

t.test('a destination migrated by a newer Masthead is refused before anything is written', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'src.db');
  await runCli(['migrate'], { env: { DATABASE_PATH: file } });
  const pg = await freshDatabase(t);
  const { Client } = (await import('pg')).default;
  const client = new Client({ connectionString: pg });
  await client.connect();
  await client.query("INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('from-the-future', $1)", [Date.parse('2030-01-01T00:00:00Z')]);
  await client.end();
  const run = await runCli(['copy', '--from', file, '--to', pg]);
  t.equal(run.code, 1);
  t.match(run.stderr, /^PostgreSQL at \S+: the database was migrated by a newer Masthead/);
  t.equal(run.stderr.trim().split('\n').length, 1, 'one line');
  t.notOk(hasStack(run.stderr));
});
