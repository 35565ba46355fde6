import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { buildTestApp, call, type TestApp } from '../helpers/app.js';
import { factories } from '../helpers/factories.js';
import { allArticles, countStored, feedEvents } from '../helpers/store-rows.js';
import { importBody, ndjson } from './fixtures.js';

/**
 * An import running while the API writes, and the same file imported twice at once. Nothing here
 * may hold only because SQLite has one writer: the stored state is read through the port, so the
 * same cases must hold on any adapter.
 */

const wire = (n: number, title = `天津新闻 第${n}条`) => ({ type: 'article', externalId: `wire-${n}`, title, section: 'tianjin', status: 'published', body: `<p>第${n}条新闻的正文。</p>` });

/** A body that arrives a line at a time, giving the event loop (and the API's writers) a turn between lines. */
function trickle(lines: string): Readable {
  return Readable.from(
    (async function* () {
      for (const line of lines.split(/(?<=\n)/)) {
        await sleep(1);
        yield Buffer.from(line);
      }
    })(),
  );
}

/** PATCHes an article with the version it last read, retrying on 412 with the version named; returns the version it won. */
async function patchUntilWon(ctx: TestApp, id: number, payload: object): Promise<number> {
  for (let version = (await ctx.store.articles.byId(id))!.version; ; ) {
    const res = await call(ctx.app, { method: 'PATCH', url: `/v1/articles/${id}`, headers: { ...ctx.auth.write, 'if-match': `"${version}"` }, payload });
    if (res.status === 200) return res.body.version as number;
    if (res.status !== 412) throw new Error(`PATCH answered ${res.status}: ${JSON.stringify(res.body)}`);
    version = res.body.currentVersion;
  }
}

t.test('an import while the API creates and updates articles: both succeed, nothing is lost, versions increase', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const section = await f.section({ slug: 'tianjin', name: '天津' });
  // Edited by the API during the import, and also a line of the import.
  const shared = await f.article(section.id, { externalId: 'wire-0', title: '编辑部原稿' });
  const edited = await f.article(section.id, { title: '编辑部的稿子' });

  let importing = true;
  let duringImport = 0;
  const counted = <T>(p: Promise<T>) => p.then((v) => ((duringImport += importing ? 1 : 0), v));
  const imported = importBody(ctx, trickle(ndjson(Array.from({ length: 41 }, (_, n) => wire(n, n === 0 ? '通讯社的稿子' : undefined)))), '?batchSize=4').finally(() => {
    importing = false;
  });
  const creates = (async () => {
    const ids: number[] = [];
    for (let n = 0; n < 20; n++) ids.push((await counted(f.article(section.id, { title: `编辑部快讯 ${n}` }))).id as number);
    return ids;
  })();
  const patches = (id: number, n: number) => (async () => {
    const won: number[] = [];
    for (let i = 0; i < n; i++) won.push(await counted(patchUntilWon(ctx, id, { summary: `第${i}次修改` })));
    return won;
  })();
  const [result, created, editedVersions, sharedVersions] = await Promise.all([imported, creates, patches(edited.id, 10), patches(shared.id, 6)]);

  t.equal(result.status, 200, 'the import answered');
  t.match(result.body, { created: 40, updated: 1, failed: 0, lines: 41 }, 'every line applied: 40 new, wire-0 updated');
  t.ok(duringImport > 0, `the API wrote while the import ran (${duringImport} writes)`);
  t.same(editedVersions, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'each API update got the next version');
  t.same(sharedVersions, [...sharedVersions].sort((a, b) => a - b), 'the shared article’s versions only increase');
  t.equal(new Set(sharedVersions).size, sharedVersions.length, 'and none is given twice');

  const articles = await allArticles(ctx.store);
  t.equal(articles.length, 2 + 40 + 20, 'the two, the import’s 40 new and the API’s 20: nothing lost');
  t.same(created.filter((id) => !articles.some((a) => a.id === id)), [], 'every article the API created is stored');
  const byExternalId = new Map(articles.filter((a) => a.externalId).map((a) => [a.externalId, a]));
  t.equal(byExternalId.size, 41, 'each externalId once');
  const sharedNow = byExternalId.get('wire-0')!;
  t.equal(sharedNow.title, '通讯社的稿子', 'the import’s change to the shared article is kept');
  t.equal(sharedNow.version, 1 + 6 + 1, 'the shared article moved once per API update and once for the import');
  t.equal((await ctx.store.articles.revisions(shared.id)).length, sharedNow.version - 1, 'one revision per change');
  t.match((await ctx.store.articles.byId(edited.id))!, { version: 11, summary: '第9次修改' }, 'the last API update of the other article is the stored state');
  t.equal((await ctx.store.articles.revisions(edited.id)).length, 10);

  const events = await feedEvents(ctx.store, { editor: true, now: ctx.clock.now, sectionIds: null, sourceIds: null });
  const creations = events.filter((e) => e.resource === 'article' && e.op === 'create');
  t.equal(creations.length, articles.length, 'one create event per article');
  t.equal(new Set(creations.map((e) => e.id)).size, articles.length, 'for each article');
  t.equal(await countStored(ctx.store, 'sections'), 1);
});

t.test('the same file imported twice at once: one set of articles, by externalId, and no 500', async (t) => {
  const ctx = await buildTestApp(t);
  const file = () => ndjson([{ type: 'section', slug: 'tianjin', name: '天津' }, ...Array.from({ length: 40 }, (_, n) => wire(n + 1))]);
  const [a, b] = await Promise.all([importBody(ctx, trickle(file()), '?batchSize=3'), importBody(ctx, trickle(file()), '?batchSize=7')]);
  t.equal(a.status, 200, 'the first import answered 200');
  t.equal(b.status, 200, 'the second import answered 200');
  for (const res of [a, b]) {
    t.match(res.body, { failed: 0, lines: 41 }, 'no line failed');
    t.equal(res.body.created + res.body.updated + res.body.unchanged, 41, 'every line accounted for');
  }
  t.equal(a.body.created + b.body.created, 41, 'each record created by exactly one of the two');
  t.equal(a.body.updated + b.body.updated, 0, 'the other found it unchanged');

  const articles = await allArticles(ctx.store);
  t.equal(articles.length, 40, 'one set of articles');
  t.same(articles.map((x) => x.externalId).sort(), Array.from({ length: 40 }, (_, n) => `wire-${n + 1}`).sort(), 'each externalId once');
  t.ok(articles.every((x) => x.version === 1), 'none was rewritten');
  t.equal(await countStored(ctx.store, 'sections'), 1);
  t.equal(await countStored(ctx.store, 'revisions'), 0);
});
