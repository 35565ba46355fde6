import t from 'tap';
import { assertProblem, buildTestApp, call, createKey } from '../helpers/app.js';
import { factories, hoursFrom } from '../helpers/factories.js';
import { brief, readAll } from './helpers.js';

const START = '2026-11-27T08:00:00.000Z';

t.test('editors see every change in commit order, with opaque cursors', async (t) => {
  const ctx = await buildTestApp(t);
  const { app, auth } = ctx;
  const f = factories(ctx);
  const section = await f.section({ slug: 'tianjin', name: '天津' });
  const source = await f.source({ slug: 'tianjin-daily', name: '天津日报' });
  const a = await f.article(section.id, { title: '甘肃省党政代表团来津考察', sourceId: source.id });
  const b = await f.article(section.id, { status: 'draft' });
  const link = await f.link(a.id, { url: 'https://www.enorth.com.cn/', title: '北方网' });
  await call(app, { method: 'PATCH', url: `/v1/sections/${section.id}`, payload: { name: '天津新闻' }, headers: auth.write });
  await call(app, { method: 'DELETE', url: `/v1/articles/${b.id}`, headers: auth.write });

  const res = await call(app, { method: 'GET', url: '/v1/changes', headers: auth.write });
  t.equal(res.status, 200);
  t.equal(res.headers['cache-control'], 'no-store');
  const events = res.body.data;
  t.same(brief(events), [
    `section:${section.id}:create`,
    `source:${source.id}:create`,
    `article:${a.id}:create`,
    `article:${b.id}:create`,
    `article:${a.id}:update`, // the link bumps its article's version, in the same transaction
    `relatedLink:${link.id}:create`,
    `section:${section.id}:update`,
    `article:${b.id}:delete`,
  ]);
  t.equal(events[5].articleId, a.id, 'a related link names its article');
  t.equal(events[0].articleId, null);
  t.equal(events[0].at, START);
  t.match(events[0].cursor, /^[A-Za-z0-9_-]+$/, 'base64url cursor');
  t.equal(res.body.page.hasMore, false);
  t.equal(res.body.page.nextCursor, events[7].cursor, 'caught up: next read starts after the last event');

  const head = await call(app, { method: 'GET', url: '/v1/changes/head', headers: auth.write });
  t.equal(head.body.cursor, events[7].cursor, 'head is the latest event');
  const after = await call(app, { method: 'GET', url: `/v1/changes?since=${head.body.cursor}`, headers: auth.write });
  t.same(after.body.data, [], 'nothing after head');

  const page = await call(app, { method: 'GET', url: '/v1/changes?limit=3', headers: auth.write });
  t.equal(page.body.data.length, 3);
  t.equal(page.body.page.hasMore, true);
  t.match(page.headers.link, /^<\/v1\/changes\?since=[A-Za-z0-9_-]+&limit=3>; rel="next"$/);
  const rest = await readAll(app, auth.write, page.body.page.nextCursor, 3);
  t.same(brief([...page.body.data, ...rest.events]), brief(events), 'pages join up without gaps or repeats');
});

t.test('a bad cursor is a 400 naming since', async (t) => {
  const { app } = await buildTestApp(t);
  for (const since of ['nope!', 'bm9wZQ', Buffer.from('{"c":-1}').toString('base64url'), Buffer.from('{"c":1.5}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
    const res = await call(app, { method: 'GET', url: `/v1/changes?since=${encodeURIComponent(since)}` });
    const body = assertProblem(t, res, 400, 'validation-failed');
    t.equal(body.errors[0].pointer, '/since', since);
  }
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/changes?limit=1001' }), 400);
});

t.test('a failed write leaves no event', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  await f.section({ slug: 'redian' });
  const before = await readAll(ctx.app, ctx.auth.write);
  const dup = await call(ctx.app, { method: 'POST', url: '/v1/sections', payload: { slug: 'redian', name: '热点' }, headers: ctx.auth.write });
  t.equal(dup.status, 409);
  const bad = await call(ctx.app, { method: 'POST', url: '/v1/articles', payload: { title: '无栏目', sectionId: 999 }, headers: ctx.auth.write });
  t.equal(bad.status, 400);
  t.same((await readAll(ctx.app, ctx.auth.write, before.next)).events, []);
});

t.test('readers see what they may see, from where they stand', async (t) => {
  const ctx = await buildTestApp(t);
  const { app, auth } = ctx;
  const f = factories(ctx);
  const section = await f.section();
  const start = (await call(app, { method: 'GET', url: '/v1/changes/head' })).body.cursor;
  const draft = await f.article(section.id, { status: 'draft' });
  const pub = await f.article(section.id);
  const readerSince = async (since: string) => brief((await readAll(app, {}, since)).events);

  t.same(await readerSince(start), [`article:${pub.id}:create`], 'the draft stays out');
  await call(app, { method: 'PATCH', url: `/v1/articles/${draft.id}`, payload: { status: 'published' }, headers: auth.write });
  await call(app, { method: 'PATCH', url: `/v1/articles/${pub.id}`, payload: { status: 'draft' }, headers: auth.write });
  await call(app, { method: 'PATCH', url: `/v1/articles/${pub.id}`, payload: { title: '草稿改标题' }, headers: auth.write });
  await call(app, { method: 'DELETE', url: `/v1/articles/${draft.id}`, headers: auth.write });
  t.same(await readerSince(start), [
    `article:${pub.id}:create`,
    `article:${draft.id}:create`, // published: it enters the reader's view
    `article:${pub.id}:delete`, // unpublished: it leaves it
    `article:${draft.id}:delete`, // trashed
  ], 'an edit to an unpublished article is no reader event');
  t.same(
    brief((await readAll(app, auth.read, start)).events),
    await readerSince(start),
    'a read key sees what anonymous readers see',
  );
});

t.test('an article made after the newest one was purged has an id of its own, and is news to readers', async (t) => {
  const ctx = await buildTestApp(t);
  const { app, auth } = ctx;
  const f = factories(ctx);
  const section = await f.section();
  const target = await f.article(section.id, { title: '旧闻' });
  const linking = await f.article(section.id, { title: '链接' });
  await f.link(linking.id, { targetArticleId: target.id });
  const newest = await f.article(section.id, { title: '最新' });
  const purged = await call(app, { method: 'DELETE', url: `/v1/articles/${newest.id}?permanent=true`, headers: auth.admin });
  t.equal(purged.status, 204);
  const start = (await call(app, { method: 'GET', url: '/v1/changes/head' })).body.cursor;
  const next = await f.article(section.id, { title: '新文章' });
  t.ok(next.id > newest.id, `ids only grow (${next.id} after ${newest.id})`);
  t.same(brief((await readAll(app, {}, start)).events), [`article:${next.id}:create`], 'a create, and nothing fanned out');
  await call(app, { method: 'PATCH', url: `/v1/articles/${target.id}`, payload: { status: 'draft' }, headers: auth.write });
  t.same(
    brief((await readAll(app, {}, start)).events),
    [`article:${next.id}:create`, `article:${target.id}:delete`, `article:${linking.id}:update`],
    'an article that leaves the readers\' view still fans out to the articles linking to it',
  );
});

t.test('a scheduled article appears in readers’ feed when it comes due, after everything already read', async (t) => {
  const ctx = await buildTestApp(t);
  const { app, auth, clock } = ctx;
  const f = factories(ctx);
  const section = await f.section();
  const scheduled = await f.article(section.id, { publishedAt: hoursFrom(START, 2) });
  const first = await readAll(app, {});
  t.same(brief(first.events), [`section:${section.id}:create`], 'not yet due: not there');

  clock.advance(60 * 60_000);
  const other = await f.article(section.id);
  const second = await readAll(app, {}, first.next);
  t.same(brief(second.events), [`article:${other.id}:create`]);

  clock.advance(90 * 60_000); // past the publishedAt of `scheduled`
  const third = await readAll(app, {}, second.next);
  t.same(brief(third.events), [`article:${scheduled.id}:create`], 'due now: its publication is appended');
  t.equal(third.events[0]!.at, hoursFrom(START, 2), 'at = publishedAt');
  t.same((await readAll(app, {}, third.next)).events, [], 'announced once');
  const editor = await readAll(app, auth.write, first.next);
  t.same(brief(editor.events).slice(-1), [`article:${scheduled.id}:update`], 'editors see the publication as an update');

  await call(app, { method: 'PATCH', url: `/v1/articles/${scheduled.id}`, payload: { publishedAt: hoursFrom(START, 30) }, headers: auth.write });
  t.same(brief((await readAll(app, {}, third.next)).events), [`article:${scheduled.id}:delete`], 'rescheduled into the future: it leaves readers’ view');
});

t.test('rescheduling before it is due announces only the final time', async (t) => {
  const ctx = await buildTestApp(t);
  const { app, auth, clock } = ctx;
  const f = factories(ctx);
  const section = await f.section();
  const head = (await call(app, { method: 'GET', url: '/v1/changes/head' })).body.cursor;
  const a = await f.article(section.id, { publishedAt: hoursFrom(START, 1) });
  await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, payload: { publishedAt: hoursFrom(START, 3) }, headers: auth.write });
  clock.advance(2 * 3_600_000);
  t.same((await readAll(app, {}, head)).events, [], 'the first time has passed but it was moved');
  clock.advance(2 * 3_600_000);
  const due = await readAll(app, {}, head);
  t.same(brief(due.events), [`article:${a.id}:create`]);
  t.equal(due.events[0]!.at, hoursFrom(START, 3));
});

t.test('a partner key limited to a section sees articles move in and out as creates and deletes', async (t) => {
  const ctx = await buildTestApp(t);
  const { app, auth, store, clock } = ctx;
  const f = factories(ctx);
  const tianjin = await f.section({ slug: 'tianjin' });
  const zhengqing = await f.section({ slug: 'zhengqing', parentId: tianjin.id });
  const gansu = await f.section({ slug: 'gansu' });
  const partner = (await createKey(store, clock, { scope: 'read', sections: ['tianjin'] })).header;
  const head = (await call(app, { method: 'GET', url: '/v1/changes/head', headers: partner })).body.cursor;
  const a = await f.article(gansu.id);
  const b = await f.article(zhengqing.id);
  await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, payload: { sectionId: zhengqing.id }, headers: auth.write });
  await call(app, { method: 'PATCH', url: `/v1/articles/${b.id}`, payload: { sectionId: gansu.id }, headers: auth.write });
  const seen = brief((await readAll(app, partner, head)).events);
  t.same(seen, [`article:${b.id}:create`, `article:${a.id}:create`, `article:${b.id}:delete`]);
  const everyone = brief((await readAll(app, {}, head)).events);
  t.same(everyone, [`article:${a.id}:create`, `article:${b.id}:create`, `article:${a.id}:update`, `article:${b.id}:update`]);
});

t.test('sections and sources: updates and deletes are events for everyone', async (t) => {
  const ctx = await buildTestApp(t);
  const { app, auth } = ctx;
  const f = factories(ctx);
  const section = await f.section();
  const source = await f.source();
  await call(app, { method: 'PATCH', url: `/v1/sources/${source.id}`, payload: { name: '新华社' }, headers: auth.write });
  t.equal((await call(app, { method: 'DELETE', url: `/v1/sources/${source.id}`, headers: auth.write })).status, 204);
  t.equal((await call(app, { method: 'DELETE', url: `/v1/sections/${section.id}`, headers: auth.write })).status, 204);
  const expected = [`section:${section.id}:create`, `source:${source.id}:create`, `source:${source.id}:update`, `source:${source.id}:delete`, `section:${section.id}:delete`];
  t.same(brief((await readAll(app, {})).events), expected);
  t.same(brief((await readAll(app, auth.write)).events), expected);
});
