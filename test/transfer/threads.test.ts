// SQLite-specific: imports prepared in worker threads against SQLite connections, compared row for row.
import { Readable } from 'node:stream';
import t from 'tap';
import { migrateDatabase, openDatabase, type Db } from '../../src/store/sqlite/connection.js';
import { createStores } from '../../src/stores.js';
import { createImportDeps } from '../../src/transfer/deps.js';
import { runImport, type ImportOptions } from '../../src/transfer/import.js';
import { createWriteQueue } from '../../src/transfer/pipeline.js';
import { prepareBatch, type PreparedBatch } from '../../src/transfer/prepare.js';
import type { ImportLineResultDto } from '../../src/transfer/schemas.js';
import { segmentForIndex } from '../../src/search/segment.js';
import { testClock } from '../helpers/app.js';
import { importBody, ndjson, seedRecords } from './fixtures.js';
import { buildTestApp } from '../helpers/app.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';

/** The seed newsroom, then articles that link back and forth across batches, with a bad line and a repeated article among them. */
function records(): unknown[] {
  const articles = Array.from({ length: 24 }, (_, i) => ({
    type: 'article',
    externalId: `t-${i}`,
    title: `天津港口${i}号 码头 Ｔｉａｎｊｉｎ Port ${i}`,
    summary: i % 3 === 0 ? undefined : `甘肃省党政代表团来津考察 第${i}天`,
    body: `<p onclick="x()">市委书记陈敏尔主持座谈会。</p><script>evil()</script><p>第${i}段&nbsp;内容 <b>天津市</b></p>`,
    section: i % 2 ? 'tianjin' : 'zhengqing',
    tags: [' 津甘协作 ', `标签${i % 4}`],
    status: i % 5 === 0 ? 'draft' : 'published',
    publishedAt: '2023-04-19T00:00:00.000Z',
    relatedLinks: [{ externalId: `t-${(i + 7) % 24}` }, { externalId: `t-${(i + 23) % 24}` }],
  }));
  const repeated = { ...articles[4]!, title: '同一篇文章,第二次' };
  return [...seedRecords(), ...articles.slice(0, 10), '{"type":"article", broken', ...articles.slice(10), repeated];
}

async function importWith(threads: number, text: string): Promise<{ db: Db; results: ImportLineResultDto[] }> {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const results: ImportLineResultDto[] = [];
  const opts: ImportOptions = { mode: 'upsert', batchSize: 4, dryRun: false, keyId: null, limits: { maxBytes: 1 << 24, maxLineBytes: 1 << 20 }, threads };
  await runImport(createImportDeps(createSqliteStore(db), testClock()), Readable.from([Buffer.from(text)]), opts, (r) => results.push(...r));
  return { db, results };
}

/** Every table an import writes, and the search index as its vocabulary (term, column, documents, occurrences). */
function snapshot(db: Db) {
  const sqlite = db.$client;
  sqlite.exec("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, 'col')");
  const all = (sql: string) => sqlite.prepare(sql).all();
  return {
    articles: all('SELECT * FROM articles ORDER BY id'),
    tags: all('SELECT * FROM article_tags ORDER BY article_id, tag'),
    links: all('SELECT * FROM related_links ORDER BY id'),
    events: all('SELECT * FROM change_events ORDER BY cursor'),
    vocab: all('SELECT * FROM temp.vocab ORDER BY term, col'),
  };
}

t.test('batches prepared on worker threads import exactly as on one thread', async (t) => {
  const text = ndjson(records());
  const one = await importWith(0, text);
  const two = await importWith(1, text);
  t.teardown(() => [one, two].forEach(({ db }) => db.$client.close()));
  t.same(two.results, one.results, 'the same results, in the same order');
  t.match(one.results.find((r) => r.line === 16), { status: 'failed', problems: [{ pointer: '', message: /^Not valid JSON/ }] });
  t.equal(one.results.filter((r) => r.status === 'created').length, 5 + 24, 'the seed records and 24 articles');
  const [a, b] = [snapshot(one.db), snapshot(two.db)];
  t.same(b, a, 'the same rows, change events and index');
  t.ok(a.vocab.some((v) => (v as { term: string }).term === '码头'), 'the index holds the text');
  t.notOk(JSON.stringify(a.articles).includes('evil'), 'the bodies were sanitised');
});

t.test('a batch is prepared with the segmentation the index would make', async (t) => {
  const lines = ndjson(records()).trim().split('\n').map((text, i) => ({ line: i + 1, text }));
  const { lines: parsed, segments } = prepareBatch(lines.slice(5, 8));
  t.equal(parsed.length, 3);
  const first = parsed[0]!;
  if (!first.ok || first.record.type !== 'article') throw new Error('expected an article');
  t.equal(first.record.prepared?.input, first.record.body, 'the preparation names the body it was made from');
  t.equal(first.record.prepared?.body, '<p>市委书记陈敏尔主持座谈会。</p><p>第0段\u00a0内容 <b>天津市</b></p>');
  for (const [text, tokens] of segments) t.equal(tokens, segmentForIndex(text), text);
  t.ok(segments.some(([text]) => text === '津甘协作'), 'tags as the store cleans them (trimmed)');
});

t.test('a line cannot bring its own prepared body', async (t) => {
  const ctx = await buildTestApp(t);
  const [tianjin, , , article] = seedRecords();
  const forged = { ...(article as object), relatedLinks: [], prepared: { input: '<p>x</p>', body: '<img src=x onerror=alert(1)>', bodyText: 'x' } };
  const res = await importBody(ctx, ndjson([tianjin, { type: 'section', slug: 'zhengqing', name: '政情', parent: 'tianjin' }, forged]));
  t.match(res.body, { created: 2, failed: 1, errors: [{ line: 3, problems: [{ message: /prepared/ }] }] });
  t.equal(ctx.db.$client.prepare('SELECT count(*) AS n FROM articles').pluck().get(), 0);
});

t.test('the store uses a preparation only for the body it was made from', async (t) => {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  t.teardown(() => db.$client.close());
  const { sections, articles } = createStores(createSqliteStore(db), testClock());
  const section = await sections.create({ slug: 'tianjin', name: '天津' });
  const body = '<p onclick="x()">天津</p>';
  const stale = { input: '<p>another body</p>', body: '<p>another body</p>', bodyText: 'another body' };
  const row = await articles.create({ title: '天津', sectionId: section.id, body, prepared: stale }, null);
  t.same([row.body, row.bodyText], ['<p>天津</p>', '天津'], 'sanitised here, the stale preparation ignored');
  const fresh = { input: body, body: '<p>天津</p>', bodyText: '天津' };
  const updated = await articles.update(row.id, { title: '天津市', body, prepared: fresh }, undefined, null);
  t.same([updated.body, updated.bodyText, updated.version], ['<p>天津</p>', '天津', 2]);
});

t.test('the write queue writes each batch once it is prepared, in order, and stops at the first failure', async (t) => {
  const written: string[] = [];
  const batch = (name: string): PreparedBatch => ({ lines: [{ ok: false, keys: { line: 1, type: null }, problems: [{ pointer: '', message: name }] }], segments: [] });
  const nameOf = (b: PreparedBatch) => (b.lines[0] as { problems: { message: string }[] }).problems[0]!.message;
  const queue = createWriteQueue(async (b) => {
    if (nameOf(b) === 'bad') throw new Error('the disk is full');
    written.push(nameOf(b));
  }, 1);

  let prepareSecond!: (b: PreparedBatch) => void;
  await queue.add(Promise.resolve(batch('first')));
  await queue.add(new Promise<PreparedBatch>((resolve) => (prepareSecond = resolve)));
  await new Promise((resolve) => setImmediate(resolve));
  t.same(written, ['first'], 'the first is written while the second is being prepared, with no third read');
  const third = queue.add(Promise.resolve(batch('third')));
  prepareSecond(batch('second'));
  await third;
  await queue.drain();
  t.same(written, ['first', 'second', 'third'], 'in the order they were read');

  await queue.add(Promise.resolve(batch('bad')));
  await t.rejects(queue.drain(), /the disk is full/);
  await t.rejects(queue.add(Promise.resolve(batch('after'))), /the disk is full/, 'the reader is told, and nothing more is written');
  t.same(written, ['first', 'second', 'third']);
});
