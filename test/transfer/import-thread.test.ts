// SQLite-specific: the import worker thread writes to the SQLite file; the test reopens the file to count what committed.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t, { type Test } from 'tap';
import { generate } from '../../bench/generate.js';
import { buildApp } from '../../src/app.js';
import { testConfig, type Config } from '../../src/config.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { createKeyService } from '../../src/keys/service.js';
import { readAll } from '../changes/helpers.js';
import { ndjson } from './fixtures.js';

type Served = Awaited<ReturnType<typeof serve>>;

/**
 * A server as production runs it: a database file, the system clock (so imports run on their own
 * thread, see app.ts) or, with `inProcess`, another clock (imports on the request loop), listening on 127.0.0.1.
 */
async function serve(t: Test, opts: { inProcess?: boolean; config?: Partial<Config> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'masthead-import-'));
  const db = openDatabase(join(dir, 'db.sqlite'));
  migrateDatabase(db);
  const store = createSqliteStore(db, openDatabase(join(dir, 'db.sqlite'), { readonly: true }));
  const app = await buildApp(testConfig(opts.config), { store, clock: opts.inProcess ? () => Date.now() : undefined });
  await app.listen({ port: 0, host: '127.0.0.1' });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    db.$client.close();
  };
  t.teardown(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });
  const key = await createKeyService(store, Date.now).create({ name: 'importer', scope: 'write' });
  const port = (app.server.address() as { port: number }).port;
  return { app, db, store, port, auth: `Bearer ${key.secret}`, close };
}

/** POST /v1/import with `body` streamed as it is written; resolves with the status and parsed answer. */
function postImport(s: Served, body: PassThrough, query = '') {
  return new Promise<{ status: number; type: string; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: s.port, method: 'POST', path: `/v1/import${query}`, headers: { authorization: s.auth, 'content-type': 'application/x-ndjson' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    body.pipe(req);
  });
}

const healthz = (port: number) =>
  new Promise<number>((resolve, reject) => {
    const started = performance.now();
    request({ host: '127.0.0.1', port, path: '/healthz' }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    })
      .on('error', reject)
      .end();
  });

const count = (s: Served, table: string) => s.db.$client.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

t.test('an import of thousands of articles never freezes the server: /healthz answers all along', async (t) => {
  const s = await serve(t);
  const records = [...generate({ articles: 2000 })];
  const body = new PassThrough();
  const answer = postImport(s, body, '?batchSize=2000');
  body.end(ndjson(records));
  const latencies: number[] = [];
  const keyed: number[] = [];
  let done = false;
  void answer.finally(() => (done = true));
  // A ping every 10 ms, each timed from when it was due, not from when it went out: a loop stalled
  // between two pings would otherwise hide its stall (the next ping simply leaves late).
  for (let due = performance.now(); !done; due += 10) {
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await healthz(s.port);
    latencies.push(performance.now() - due);
    // A keyed read now and then: its lastUsedAt is a write on the server's connection, committed between the import's batches.
    if (latencies.length % 50 === 0) keyed.push(await s.app.inject({ method: 'GET', url: '/v1/articles?limit=1', headers: { authorization: s.auth } }).then((r) => r.statusCode));
    if (performance.now() > due + 10) due = performance.now();
  }
  const res = await answer;
  t.equal(res.status, 200);
  t.match(res.body, { created: records.length, failed: 0, lines: records.length });
  t.ok(latencies.length > 20, `pinged all along (${latencies.length} times)`);
  // On the request loop the batch of 2000 articles held it for 3 s and more; on its own thread the loop only
  // passes chunks on. The bound is generous: the machine running the tests may be busy with other work.
  t.ok(Math.max(...latencies) < 1000, `the slowest /healthz took ${Math.max(...latencies).toFixed(0)} ms`);
  t.equal(count(s, 'articles'), 2000);
  t.ok(keyed.length > 0 && keyed.every((status) => status === 200), 'keyed reads answered meanwhile');
  const list = await s.app.inject({ method: 'GET', url: '/v1/articles?limit=1&status=draft', headers: { authorization: s.auth } });
  t.equal(list.statusCode, 200);
  t.equal(JSON.parse(list.body).data.length, 1, 'the server’s own connection (and its caches) see what the thread wrote');
});

t.test('an import on its thread while the API writes: every write lands, none waits past its turn, the feed holds each once in order', async (t) => {
  const s = await serve(t);
  const admin = await createKeyService(s.store, Date.now).create({ name: 'reader of the feed', scope: 'admin' });
  const headers = { authorization: s.auth };
  const inject = async (method: 'POST' | 'PATCH', url: string, payload: object, extra: Record<string, string> = {}) => {
    const res = await s.app.inject({ method, url, headers: { ...headers, ...extra }, payload });
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };
  const section = await inject('POST', '/v1/sections', { name: '并发栏目' });
  const article = await inject('POST', '/v1/articles', { title: '被反复修改的文章', sectionId: section.body.id });
  const records = [...generate({ articles: 1500 })];
  const body = new PassThrough();
  const answer = postImport(s, body, '?batchSize=100');
  body.end(ndjson(records));
  let done = false;
  void answer.finally(() => (done = true));
  const statuses: number[] = [];
  let version = article.body.version as number;
  for (let n = 0; !done || n < 20; n++) {
    const created = await inject('POST', '/v1/articles', { title: `导入期间的稿件 ${n}`, sectionId: section.body.id });
    const patched = await inject('PATCH', `/v1/articles/${article.body.id}`, { summary: `第${n}次修改` }, { 'if-match': `"${version}"` });
    statuses.push(created.status, patched.status);
    if (patched.status === 200) version = patched.body.version;
  }
  const res = await answer;
  t.match(res.body, { created: records.length, failed: 0 });
  t.ok(statuses.length >= 40, `${statuses.length / 2} creates and PATCHes meanwhile`);
  t.same([...new Set(statuses)].sort(), [200, 201], 'every API write answered 200 or 201, none 503 or 500');
  const apiCreates = statuses.length / 2;
  t.equal(count(s, 'articles'), 1 + 1500 + apiCreates);
  // The feed read from the start: each write once, cursors strictly increasing across the import's batches.
  const { events } = await readAll(s.app, { authorization: `Bearer ${admin.secret}` }, undefined, 1000);
  const creates = events.filter((e) => e.resource === 'article' && e.op === 'create');
  t.equal(creates.length, 1 + 1500 + apiCreates, 'one create event per article');
  t.equal(new Set(creates.map((e) => e.id)).size, creates.length, 'no article twice');
  const updates = events.filter((e) => e.resource === 'article' && e.op === 'update' && e.id === article.body.id);
  t.equal(updates.length, apiCreates, 'one update event per PATCH');
  t.equal(new Set(events.map((e) => e.cursor)).size, events.length, 'no cursor twice');
  t.equal(version, 1 + apiCreates, 'each PATCH found the version the one before made');
});

t.test('errors on the thread come back as the same problems', async (t) => {
  const s = await serve(t, { config: { importBodyLimit: 4096 } });
  const body = new PassThrough();
  const answer = postImport(s, body);
  body.end(ndjson([...generate({ articles: 20 })]));
  const res = await answer;
  t.equal(res.status, 413);
  t.match(res.type, /^application\/problem\+json/);
  t.match(res.body, { status: 413, code: 'body-too-large' });
});

for (const inProcess of [false, true]) {
  t.test(`shutdown during an import ${inProcess ? 'on the request loop' : 'on its thread'}: the lines read are committed, the answer says interrupted`, async (t) => {
    const s = await serve(t, { inProcess });
    const records = [...generate({ articles: 400 })];
    const body = new PassThrough();
    const answer = postImport(s, body, '?batchSize=50');
    // A slow client: the first 230 lines (the sections and sources, then articles), then nothing more for now.
    body.write(ndjson(records.slice(0, 230)));
    while (count(s, 'articles') < 100) await new Promise((r) => setTimeout(r, 20));
    const closing = performance.now();
    await s.close();
    const res = await answer;
    t.ok(performance.now() - closing < 5000, 'closed well within the 10 s the server allows');
    t.equal(res.status, 200);
    t.match(res.body, { interrupted: true });
    const { created, failed, lines } = res.body as { created: number; failed: number; lines: number };
    t.ok(lines > 150 && lines <= 230, `stopped where the reading was (${lines} lines)`);
    t.equal(created + failed, lines, 'every line read is answered for');
    const articleLines = records.slice(0, lines).filter((r) => r.type === 'article').length;
    t.match((res.body.errors as { problems: { message: string }[] }[])[0]?.problems[0]?.message ?? '', /interrupted/, 'links to later lines say why they failed');
    const db = openDatabase(s.db.$client.name);
    t.teardown(() => db.$client.close());
    t.equal(db.$client.prepare('SELECT count(*) FROM articles').pluck().get(), articleLines, 'every article line read is committed, those of the last, partial batch too');
    body.destroy();
  });
}
