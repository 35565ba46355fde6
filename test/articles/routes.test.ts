import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { DEMO_ARTICLE } from '../../src/demo/content.js';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { countStored, taggedWith } from '../helpers/store-rows.js';
import { factories, req, withHeaders, writeHeadersOf } from '../helpers/factories.js';

const NOW = '2026-11-27T08:00:00.000Z';
const SEED_FILE = new URL('../fixtures/seed/000_1c8763f15fd8f122.txt', import.meta.url);
const GANSU_SLUG = 'gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha';

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  const w = withHeaders(writeHeadersOf(ctx));
  const make = factories(ctx);
  const section = await make.section({ name: '政情', slug: 'zhengqing' });
  const stored = (id: number) => ctx.store.articles.byId(id);
  const count = () => countStored(ctx.store, 'articles');
  return { ...ctx, w, make, section, stored, count };
}

t.test('create: 201 with Location and ETag, pinyin slug, defaults, stored row', async (t) => {
  const { app, w, section, stored, count } = await setup(t);
  const res = await call(app, w(req('POST', '/v1/articles', { title: '甘肃省党政代表团来津考察', sectionId: section.id })));
  t.equal(res.status, 201);
  t.match(String(res.headers['content-type']), /^application\/json/);
  t.equal(res.headers.location, `/v1/articles/${res.body.id}`);
  t.equal(res.headers.etag, '"1"');
  t.match(res.body, { slug: GANSU_SLUG, title: '甘肃省党政代表团来津考察', status: 'draft', publishedAt: null, version: 1 });
  t.match(res.body, { body: '', bodyText: '', tags: [], sourceId: null, deletedAt: null, createdAt: NOW, updatedAt: NOW });
  t.match(await stored(res.body.id), { slug: GANSU_SLUG, title: '甘肃省党政代表团来津考察', status: 'draft', version: 1, sectionId: section.id });

  const again = await call(app, w(req('POST', '/v1/articles', { title: '甘肃省党政代表团来津考察', sectionId: section.id })));
  t.equal(again.body.slug, `${GANSU_SLUG}-2`, 'a collision gets a suffix');
  const third = await call(app, w(req('POST', '/v1/articles', { title: '甘肃省党政代表团来津考察', sectionId: section.id })));
  t.equal(third.body.slug, `${GANSU_SLUG}-3`);
  const punct = await call(app, w(req('POST', '/v1/articles', { title: '!!!', sectionId: section.id })));
  t.equal(punct.status, 201);
  t.match(punct.body.slug, /^[a-z0-9]+(-[a-z0-9]+)*$/, 'a title with no letters still gets a valid slug');

  const given = await call(app, w(req('POST', '/v1/articles', { title: 'x', slug: 'jin-gan-xie-zuo', sectionId: section.id })));
  t.equal(given.body.slug, 'jin-gan-xie-zuo');
  const before = await count();
  for (const slug of ['Bad', '天津', 'a--b', '-a', 'a_b', 'a'.repeat(97), '']) {
    const bad = assertProblem(t, await call(app, w(req('POST', '/v1/articles', { title: 'x', slug, sectionId: section.id }))), 400, 'validation-failed');
    t.match(bad.errors, [{ in: 'body', pointer: '/slug' }], `slug ${JSON.stringify(slug)} refused`);
  }
  t.equal(await count(), before, 'nothing stored');
});

t.test('create: unknown references are 400, duplicates 409, each naming the field', async (t) => {
  const { app, w, make, section, count } = await setup(t);
  const noSection = assertProblem(t, await call(app, w(req('POST', '/v1/articles', { title: 'x', sectionId: 999 }))), 400, 'unknown-reference');
  t.match(noSection.errors, [{ in: 'body', pointer: '/sectionId' }]);
  const noSource = assertProblem(t, await call(app, w(req('POST', '/v1/articles', { title: 'x', sectionId: section.id, sourceId: 999 }))), 400, 'unknown-reference');
  t.match(noSource.errors, [{ in: 'body', pointer: '/sourceId' }]);
  t.equal(await count(), 0);

  await make.article(section.id, { slug: 'taken', externalId: 'enorth-1' });
  const slug = assertProblem(t, await call(app, w(req('POST', '/v1/articles', { title: 'y', slug: 'taken', sectionId: section.id }))), 409, 'slug-taken');
  t.match(slug.errors, [{ pointer: '/slug' }]);
  t.notMatch(slug.detail, /SQLITE|UNIQUE|constraint/i, 'no SQLite text');
  const ext = assertProblem(t, await call(app, w(req('POST', '/v1/articles', { title: 'y', externalId: 'enorth-1', sectionId: section.id }))), 409, 'external-id-taken');
  t.match(ext.errors, [{ pointer: '/externalId' }]);
  t.notMatch(ext.detail, /SQLITE|UNIQUE|constraint/i);
  t.equal(await count(), 1, 'only the first article is stored');
});

t.test('create: body sanitised, bodyText derived, tags deduplicated, published gets now', async (t) => {
  const { app, store, w, section, stored } = await setup(t);
  const res = await call(
    app,
    w(req('POST', '/v1/articles', {
      title: '正文',
      sectionId: section.id,
      body: '<p onclick="steal()">第一段</p><script>alert(1)</script><p>第二段<br>续</p>',
      tags: ['甘肃', '甘肃', ' 天津 ', '天津', 'Tianjin'],
      status: 'published',
    })),
  );
  t.equal(res.status, 201);
  t.equal(res.body.body, '<p>第一段</p><p>第二段<br />续</p>');
  t.notMatch(res.body.body, /script|alert|onclick/);
  t.equal(res.body.bodyText, '第一段\n\n第二段\n续');
  t.same(res.body.tags, ['甘肃', '天津', 'Tianjin']);
  t.equal(res.body.publishedAt, NOW, 'published without publishedAt is published now');
  t.equal((await stored(res.body.id))!.body, res.body.body, 'the sanitised body is what is stored');
  t.same([...(await stored(res.body.id))!.tags].sort(), ['Tianjin', '天津', '甘肃'].sort());
  for (const tag of ['Tianjin', '天津', '甘肃']) t.same(await taggedWith(store, tag), [res.body.id], `stored under ${tag}`);

  const scheduled = await call(app, w(req('POST', '/v1/articles', { title: 's', sectionId: section.id, status: 'published', publishedAt: '2027-01-01T00:00:00.000Z' })));
  t.equal(scheduled.body.publishedAt, '2027-01-01T00:00:00.000Z', 'a given publishedAt is kept');
});

t.test('read by id and by slug, include and fields', async (t) => {
  const { app, w, make, section } = await setup(t);
  const source = await make.source({ name: '天津日报', slug: 'tianjin-daily' });
  const a = await make.article(section.id, { title: '津甘协作', sourceId: source.id, body: '<p>正文</p>' });
  const target = await make.article(section.id, { title: '汉服映天理' });
  await make.link(a.id, { targetArticleId: target.id });
  await make.link(a.id, { url: 'https://www.enorth.com.cn/', title: '北方网' });
  const current = (await call(app, { method: 'GET', url: `/v1/articles/${a.id}` })).body;

  const byId = await call(app, { method: 'GET', url: `/v1/articles/${a.id}` });
  t.equal(byId.status, 200);
  t.match(String(byId.headers['content-type']), /^application\/json/);
  t.equal(byId.headers.etag, `"${current.version}"`);
  t.equal(current.version, 3, 'two links added: two new versions');
  t.ok(byId.headers['last-modified']);
  t.equal(byId.body.body, '<p>正文</p>');
  t.notOk('section' in byId.body || 'relatedLinks' in byId.body, 'nothing embedded unless asked');
  const bySlug = await call(app, { method: 'GET', url: `/v1/articles/slug/${a.slug}` });
  t.equal(bySlug.status, 200);
  t.same(bySlug.body, byId.body);

  const full = await call(app, { method: 'GET', url: `/v1/articles/${a.id}?include=section,source,relatedLinks` });
  t.equal(full.status, 200);
  t.match(full.headers.etag, /^W\/"/, 'a shaped answer has a weak ETag');
  t.match(full.body.section, { id: section.id, slug: 'zhengqing', name: '政情' });
  t.match(full.body.source, { id: source.id, slug: 'tianjin-daily', name: '天津日报' });
  t.match(full.body.relatedLinks, [
    { targetArticleId: target.id, title: '汉服映天理', targetSlug: target.slug, url: null },
    { targetArticleId: null, url: 'https://www.enorth.com.cn/', title: '北方网', targetSlug: null },
  ]);
  const noSource = await make.article(section.id);
  t.equal((await call(app, { method: 'GET', url: `/v1/articles/${noSource.id}?include=source` })).body.source, null);

  const slim = await call(app, { method: 'GET', url: `/v1/articles/${a.id}?fields=id,title` });
  t.same(slim.body, { id: a.id, title: '津甘协作' });
  const slimSlug = await call(app, { method: 'GET', url: `/v1/articles/slug/${a.slug}?fields=title&include=section` });
  t.same(Object.keys(slimSlug.body).sort(), ['id', 'section', 'title']);

  const badField = assertProblem(t, await call(app, { method: 'GET', url: `/v1/articles/${a.id}?fields=id,password` }), 400, 'validation-failed');
  t.match(badField.errors, [{ in: 'query', pointer: '/fields' }]);
  const badInclude = assertProblem(t, await call(app, { method: 'GET', url: `/v1/articles/${a.id}?include=author` }), 400);
  t.match(badInclude.errors, [{ in: 'query', pointer: '/include' }]);
  assertProblem(t, await call(app, { method: 'GET', url: `/v1/articles/${a.id}?colour=red` }), 400);
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/articles/999' }), 404, 'not-found');
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/articles/slug/no-such-article' }), 404, 'not-found');
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/articles/abc' }), 400);
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/articles/0' }), 400);
  const notMod = await app.inject({ method: 'GET', url: `/v1/articles/${a.id}`, headers: { 'if-none-match': `"${current.version}"` } });
  t.equal(notMod.statusCode, 304);
});

t.test('PATCH: partial update, versions, If-Match', async (t) => {
  const { app, store, w, make, section, stored } = await setup(t);
  const a = await make.article(section.id, { title: '旧标题', summary: '摘要' });
  const res = await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { title: '新标题' })));
  t.equal(res.status, 200);
  t.equal(res.headers.etag, '"2"');
  t.match(res.body, { title: '新标题', summary: '摘要', version: 2, slug: a.slug });
  t.match(await stored(a.id), { title: '新标题', summary: '摘要', version: 2 });
  t.equal(await countStored(store, 'revisions'), 1, 'the previous state is kept as a revision');

  const same = await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { title: '新标题' })));
  t.equal(same.body.version, 2, 'a change that changes nothing is not a new version');

  const stale = assertProblem(t, await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { title: 'x' }, { 'if-match': '"1"' }))), 412, 'version-mismatch');
  t.equal(stale.currentVersion, 2);
  t.equal((await stored(a.id))!.title, '新标题', 'a refused write changes nothing');
  const ok = await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { subtitle: '副题' }, { 'if-match': '"2"' })));
  t.equal(ok.status, 200);
  t.equal(ok.body.version, 3);
  t.equal(ok.headers.etag, '"3"');
  for (const bad of ['2', 'W/2', '"1', '"3" junk', '', '"3", ,"4"']) {
    const malformed = assertProblem(t, await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { title: 'x' }, { 'if-match': bad }))), 400);
    t.match(malformed.errors, [{ in: 'headers', pointer: '/if-match' }], `If-Match ${bad} refused`);
  }
  // Well-formed entity-tags that match no version are a failed precondition (RFC 9110 §13.1.1), not bad input.
  for (const other of ['"stale-version-0"', '"abc"', '"99999999999999999"', '"0"', 'W/"3"', '"", "x"']) {
    const failed = assertProblem(t, await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { title: 'x' }, { 'if-match': other }))), 412, 'version-mismatch');
    t.equal(failed.currentVersion, 3, `If-Match ${other} matches nothing`);
  }
  t.equal((await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { subtitle: '副题二' }, { 'if-match': '"x", "3"' })))).body.version, 4, 'a list matches by any of its tags');
  t.equal((await stored(a.id))!.version, 4);
  const anyOf = await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { subtitle: '副题三' }, { 'if-match': '"2", "4"' })));
  t.equal(anyOf.body.version, 5, 'each of several tags is compared, not only the first (RFC 9110: matches any)');
  const noneOf = assertProblem(t, await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { title: 'x' }, { 'if-match': '"1", "2", "4"' }))), 412, 'version-mismatch');
  t.equal(noneOf.currentVersion, 5, 'a list of old versions is refused');
  t.equal((await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { subtitle: null }, { 'if-match': '*' })))).body.subtitle, null);

  const unknownSection = assertProblem(t, await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { sectionId: 999 }))), 400, 'unknown-reference');
  t.match(unknownSection.errors, [{ pointer: '/sectionId' }]);
  await make.article(section.id, { slug: 'other', externalId: 'ext-other' });
  assertProblem(t, await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { slug: 'other' }))), 409, 'slug-taken');
  assertProblem(t, await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { externalId: 'ext-other' }))), 409, 'external-id-taken');
  t.equal((await stored(a.id))!.version, 6, 'refused changes leave the version alone');
  assertProblem(t, await call(app, w(req('PATCH', '/v1/articles/999', { title: 'x' }))), 404, 'not-found');
});

t.test('PATCH: a published article always has a publishedAt', async (t) => {
  const { app, w, make, section, clock } = await setup(t);
  const draft = await make.article(section.id, { status: 'draft' });
  clock.advance(60_000);
  const published = await call(app, w(req('PATCH', `/v1/articles/${draft.id}`, { status: 'published' })));
  t.equal(published.body.publishedAt, '2026-11-27T08:01:00.000Z', 'publishing a draft publishes it now');
  const again = await call(app, w(req('PATCH', `/v1/articles/${draft.id}`, { status: 'draft' })));
  t.equal(again.body.publishedAt, '2026-11-27T08:01:00.000Z', 'unpublishing keeps the date');
  const cleared = await call(app, w(req('PATCH', `/v1/articles/${draft.id}`, { status: 'published', publishedAt: null })));
  t.type(cleared.body.publishedAt, 'string', 'published with publishedAt null gets now');
  const live = await make.article(section.id, { publishedAt: '2023-04-19T00:00:00.000Z' });
  const noDate = await call(app, w(req('PATCH', `/v1/articles/${live.id}`, { publishedAt: null })));
  t.equal(noDate.status, 200);
  t.equal(noDate.body.publishedAt, '2026-11-27T08:01:00.000Z', 'clearing the date of a published article publishes it now');
  t.equal((await call(app, { method: 'GET', url: `/v1/articles/${live.id}` })).status, 200, 'and readers still see it');
});

t.test('slug change: the old slug answers 308 to the new one', async (t) => {
  const { app, w, make, section } = await setup(t);
  const a = await make.article(section.id, { slug: 'old-slug' });
  t.equal((await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { slug: 'new-slug' })))).status, 200);
  const moved = await app.inject({ method: 'GET', url: '/v1/articles/slug/old-slug?fields=title' });
  t.equal(moved.statusCode, 308);
  t.equal(moved.headers.location, '/v1/articles/slug/new-slug?fields=title', 'the query is kept');
  const now = await call(app, { method: 'GET', url: '/v1/articles/slug/new-slug' });
  t.equal(now.body.id, a.id);
  const fresh = await call(app, w(req('POST', '/v1/articles', { title: '旧', slug: 'old-slug', sectionId: section.id, status: 'published' })));
  t.equal(fresh.status, 201, 'an old slug may be given to a new article');
  t.equal((await call(app, { method: 'GET', url: '/v1/articles/slug/old-slug' })).body.id, fresh.body.id);
  await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { slug: 'newer-slug' })));
  await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { slug: 'new-slug' })));
  t.equal((await call(app, { method: 'GET', url: '/v1/articles/slug/new-slug' })).body.id, a.id, 'a slug can be taken back');
  t.equal((await app.inject({ method: 'GET', url: '/v1/articles/slug/newer-slug' })).headers.location, '/v1/articles/slug/new-slug');
  const draft = await make.article(section.id, { status: 'draft', slug: 'draft-old' });
  await call(app, w(req('PATCH', `/v1/articles/${draft.id}`, { slug: 'draft-new' })));
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/articles/slug/draft-old' }), 404, 'not-found');
  t.equal((await app.inject(w({ method: 'GET', url: '/v1/articles/slug/draft-old' }))).statusCode, 308, 'editors follow it');
  const gansu = await make.article(section.id, { title: '甘肃省党政代表团来津考察' });
  await call(app, w(req('PATCH', `/v1/articles/${gansu.id}`, { slug: 'gansu' })));
  const twin = await make.article(section.id, { title: '甘肃省党政代表团来津考察' });
  t.equal(twin.slug, `${GANSU_SLUG}-2`, 'a generated slug does not take an old slug (it still redirects)');
  t.equal((await app.inject({ method: 'GET', url: `/v1/articles/slug/${GANSU_SLUG}` })).headers.location, '/v1/articles/slug/gansu');
});

t.test('DELETE moves to the trash, restore brings back, permanent is admin-only', async (t) => {
  const { app, w, make, section, stored } = await setup(t);
  const a = await make.article(section.id);
  assertProblem(t, await call(app, w({ method: 'DELETE', url: `/v1/articles/${a.id}`, headers: { 'if-match': '"7"' } })), 412);
  const del = await app.inject(w({ method: 'DELETE', url: `/v1/articles/${a.id}` }));
  t.equal(del.statusCode, 204);
  t.equal(del.body, '');
  t.equal((await stored(a.id))!.deletedAt, Date.parse(NOW));
  assertProblem(t, await call(app, { method: 'GET', url: `/v1/articles/${a.id}` }), 404, 'not-found');
  assertProblem(t, await call(app, { method: 'GET', url: `/v1/articles/slug/${a.slug}` }), 404, 'not-found');
  t.same((await call(app, { method: 'GET', url: '/v1/articles' })).body.data, []);

  const restored = await call(app, w({ method: 'POST', url: `/v1/articles/${a.id}/restore` }));
  t.equal(restored.status, 200);
  t.match(restored.body, { id: a.id, deletedAt: null, version: 3 });
  t.equal((await call(app, { method: 'GET', url: `/v1/articles/${a.id}` })).status, 200);
  assertProblem(t, await call(app, w({ method: 'POST', url: '/v1/articles/999/restore' })), 404);

  assertProblem(t, await call(app, { method: 'DELETE', url: `/v1/articles/${a.id}` }), 401, 'authentication-required');
  assertProblem(t, await call(app, w({ method: 'DELETE', url: `/v1/articles/${a.id}?permanent=yes` })), 400);
  assertProblem(t, await call(app, w({ method: 'DELETE', url: '/v1/articles/999' })), 404, 'not-found');
  t.ok(await stored(a.id), 'still stored');
});

t.test('permanent deletion is for admin keys, and takes tags, revisions, old slugs and links along', async (t) => {
  const { app, store, auth, w, make, section, stored } = await setup(t);
  const a = await make.article(section.id, { slug: 'first', tags: ['甘肃'] });
  await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { slug: 'second' })));
  const other = await make.article(section.id);
  await make.link(a.id, { targetArticleId: other.id });
  await make.link(other.id, { targetArticleId: a.id });
  // Once the article is gone, rows it left behind are only found by its id (its tags not even so: see test/store/sqlite/).
  const counts = async () => {
    const leftBehind = async (rows: Promise<unknown[]>) => ((await stored(a.id)) ? 0 : (await rows).length);
    return [
      await countStored(store, 'tags'),
      (await countStored(store, 'revisions')) + (await leftBehind(store.articles.revisions(a.id))),
      (await countStored(store, 'relatedLinks')) + (await leftBehind(store.links.ofArticle(a.id))),
    ];
  };
  t.same(await counts(), [1, 1, 2]);

  const writer = assertProblem(t, await call(app, w({ method: 'DELETE', url: `/v1/articles/${a.id}?permanent=true` })), 403, 'admin-only');
  t.notMatch(writer.detail, /SQLITE/);
  assertProblem(t, await call(app, { method: 'DELETE', url: `/v1/articles/${a.id}?permanent=true` }), 401);
  t.ok(await stored(a.id), 'still stored');
  t.same(await counts(), [1, 1, 2]);

  const admin = { ...auth.admin };
  assertProblem(t, await call(app, { method: 'DELETE', url: `/v1/articles/${a.id}?permanent=true`, headers: { ...admin, 'if-match': '"1"' } }), 412);
  const gone = await app.inject({ method: 'DELETE', url: `/v1/articles/${a.id}?permanent=true`, headers: admin });
  t.equal(gone.statusCode, 204);
  t.notOk(await stored(a.id), 'the row is gone');
  t.same(await counts(), [0, 0, 0], 'its tags, revisions and links (both ways) went with it');
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/articles/slug/first' }), 404, 'not-found');
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/articles/slug/second', headers: admin }), 404);
  assertProblem(t, await call(app, { method: 'POST', url: `/v1/articles/${a.id}/restore`, headers: admin }), 404);
  t.equal((await call(app, w(req('POST', '/v1/articles', { title: 'x', slug: 'first', sectionId: section.id })))).status, 201, 'its slugs are free again');
});

t.test('writes need a write key', async (t) => {
  const { app, auth, section, count } = await setup(t);
  assertProblem(t, await call(app, req('POST', '/v1/articles', { title: 'x', sectionId: section.id })), 401, 'authentication-required');
  assertProblem(t, await call(app, req('POST', '/v1/articles', { title: 'x', sectionId: section.id }, { ...auth.read })), 403);
  t.equal(await count(), 0);
});

t.test('CJK round trip: the seed article comes back byte-identical', async (t) => {
  const { app, w, make, section, stored } = await setup(t);
  const seed = readFileSync(SEED_FILE, 'utf8');
  t.ok(seed.includes(DEMO_ARTICLE.title), 'fixture title is the seed page’s');
  for (const p of DEMO_ARTICLE.paragraphs) t.ok(seed.includes(`\n${p}\n`), 'fixture paragraph is a seed line');
  const body = DEMO_ARTICLE.paragraphs.map((p) => `<p>${p}</p>`).join('');
  const res = await call(app, w(req('POST', '/v1/articles', { title: DEMO_ARTICLE.title, body, tags: DEMO_ARTICLE.tags, sectionId: section.id, status: 'published' })));
  t.equal(res.status, 201);
  for (const got of [res.body, (await call(app, { method: 'GET', url: `/v1/articles/${res.body.id}` })).body]) {
    t.ok(Buffer.from(got.title).equals(Buffer.from(DEMO_ARTICLE.title)), 'title byte-identical');
    t.ok(Buffer.from(got.body).equals(Buffer.from(body)), 'body byte-identical');
    t.equal(got.bodyText, DEMO_ARTICLE.paragraphs.map((p) => p.trim()).join('\n\n'));
    t.same(got.tags, DEMO_ARTICLE.tags);
  }
  t.equal((await stored(res.body.id))!.body, body);
  t.equal(res.body.slug.slice(0, GANSU_SLUG.length), GANSU_SLUG);

  await make.article(section.id, { title: '其他', tags: ['体育'] });
  const tagged = await call(app, { method: 'GET', url: `/v1/articles?tag=${encodeURIComponent('津甘协作')}` });
  t.same(tagged.body.data.map((a: { id: number }) => a.id), [res.body.id]);
  const either = await call(app, { method: 'GET', url: `/v1/articles?tag=${encodeURIComponent('体育,甘肃')}` });
  t.equal(either.body.data.length, 2, 'any of several Chinese tags');
  await call(app, w(req('PATCH', `/v1/articles/${res.body.id}`, { tags: ['天津'] })));
  t.same((await call(app, { method: 'GET', url: `/v1/articles?tag=${encodeURIComponent('津甘协作')}` })).body.data, [], 'changed tags are re-indexed');
  t.equal((await call(app, { method: 'GET', url: `/v1/articles?tag=${encodeURIComponent('天津')}` })).body.data[0].id, res.body.id);
});
