import t, { type Test } from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { countStored } from '../helpers/store-rows.js';
import { factories, req, withHeaders, writeHeadersOf } from '../helpers/factories.js';

const NOW = '2026-11-27T08:00:00.000Z';
type Link = { id: number; position: number; title: string; targetArticleId: number | null; targetSlug: string | null; url: string | null };

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  const w = withHeaders(writeHeadersOf(ctx));
  const make = factories(ctx);
  const section = await make.section();
  const owner = await make.article(section.id, { title: '甘肃省党政代表团来津考察' });
  const linksOf = async (id: number) => (await call(ctx.app, { method: 'GET', url: `/v1/articles/${id}/related-links` })).body.data as Link[];
  const versionOf = async (id: number) => (await ctx.store.articles.byId(id))!.version;
  return { ...ctx, w, make, section, owner, linksOf, versionOf, count: () => countStored(ctx.store, 'relatedLinks') };
}

t.test('create internal and external links; list in position order', async (t) => {
  const { app, w, make, section, owner, linksOf, versionOf } = await setup(t);
  const target = await make.article(section.id, { title: '汉服映天理,春色染衣裳' });
  const url = `/v1/articles/${owner.id}/related-links`;

  const internal = await call(app, w(req('POST', url, { targetArticleId: target.id })));
  t.equal(internal.status, 201);
  t.match(String(internal.headers['content-type']), /^application\/json/);
  t.equal(internal.headers.location, `${url}/${internal.body.id}`);
  t.same(internal.body, {
    id: internal.body.id,
    articleId: owner.id,
    position: 0,
    targetArticleId: target.id,
    url: null,
    title: '汉服映天理,春色染衣裳',
    targetSlug: target.slug,
    createdAt: NOW,
    updatedAt: NOW,
    articleVersion: 2,
  });
  t.equal(await versionOf(owner.id), 2, "a new link is a new version of its article");
  t.equal(internal.headers['article-etag'], '"2"', "the answer carries the article's new ETag");

  const external = await call(app, w(req('POST', url, { url: 'https://www.enorth.com.cn/a.html', title: '北方网' })));
  t.equal(external.status, 201);
  t.match(external.body, { position: 1, targetArticleId: null, url: 'https://www.enorth.com.cn/a.html', title: '北方网', targetSlug: null });
  const first = await call(app, w(req('POST', url, { url: 'https://example.com/', title: '最前', position: 0 })));
  t.equal(first.body.position, 0);
  const last = await call(app, w(req('POST', url, { url: 'https://example.com/z', title: '最后' })));
  t.equal(last.body.position, 2, 'default position is after the highest');
  t.equal(await versionOf(owner.id), 5);

  const listed = await linksOf(owner.id);
  t.same(listed.map((l) => l.id), [internal.body.id, first.body.id, external.body.id, last.body.id], 'by position, then id');
  const embedded = await call(app, { method: 'GET', url: `/v1/articles/${owner.id}?include=relatedLinks` });
  t.same(embedded.body.relatedLinks, listed, 'include=relatedLinks embeds the same list');
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/articles/999/related-links' }), 404, 'not-found');
  assertProblem(t, await call(app, w(req('POST', '/v1/articles/999/related-links', { targetArticleId: target.id }))), 404, 'not-found');
});

t.test('exactly one of targetArticleId and url+title; no self-links; known targets', async (t) => {
  const { app, w, make, section, owner, count, versionOf } = await setup(t);
  const target = await make.article(section.id);
  const url = `/v1/articles/${owner.id}/related-links`;
  const bad: [string, unknown][] = [
    ['both', { targetArticleId: target.id, url: 'https://example.com/', title: 't' }],
    ['neither', {}],
    ['url without title', { url: 'https://example.com/' }],
    ['title without url', { title: 't' }],
    ['title on an internal link', { targetArticleId: target.id, title: 't' }],
    ['javascript url', { url: 'javascript:alert(1)', title: 't' }],
    ['blank title', { url: 'https://example.com/', title: '  ' }],
    ['negative position', { targetArticleId: target.id, position: -1 }],
    ['huge position', { targetArticleId: target.id, position: 1e9 }],
    ['fractional id', { targetArticleId: 1.5 }],
    ['string id', { targetArticleId: String(target.id) }],
    ['unknown field', { targetArticleId: target.id, note: 'x' }],
  ];
  for (const [what, body] of bad) {
    assertProblem(t, await call(app, w(req('POST', url, body))), 400);
    t.pass(what);
  }
  const self = assertProblem(t, await call(app, w(req('POST', url, { targetArticleId: owner.id }))), 400);
  t.match(self.errors, [{ in: 'body', pointer: '/targetArticleId' }]);
  const unknown = assertProblem(t, await call(app, w(req('POST', url, { targetArticleId: 999 }))), 400, 'unknown-reference');
  t.match(unknown.errors, [{ in: 'body', pointer: '/targetArticleId' }]);
  t.equal(await count(), 0, 'nothing stored');
  t.equal(await versionOf(owner.id), 1, 'and the article did not change');
});

t.test('PATCH position and title; DELETE; unknown links', async (t) => {
  const { app, w, make, section, owner, linksOf, versionOf, count } = await setup(t);
  const target = await make.article(section.id, { title: '目标' });
  const base = `/v1/articles/${owner.id}/related-links`;
  const a = await make.link(owner.id, { targetArticleId: target.id });
  const b = await make.link(owner.id, { url: 'https://example.com/', title: '外链' });
  const v = await versionOf(owner.id);

  const moved = await call(app, w(req('PATCH', `${base}/${a.id}`, { position: 5 })));
  t.equal(moved.status, 200);
  t.match(moved.body, { id: a.id, position: 5, title: '目标' });
  t.same((await linksOf(owner.id)).map((l) => l.id), [b.id, a.id]);
  t.equal(await versionOf(owner.id), v + 1);
  t.equal(moved.body.articleVersion, v + 1);
  t.equal(moved.headers['article-etag'], `"${v + 1}"`);
  const renamed = await call(app, w(req('PATCH', `${base}/${b.id}`, { title: '新外链' })));
  t.match(renamed.body, { title: '新外链', url: 'https://example.com/' });
  const internalTitle = assertProblem(t, await call(app, w(req('PATCH', `${base}/${a.id}`, { title: 'x' }))), 400);
  t.match(internalTitle.errors, [{ pointer: '/title' }]);
  assertProblem(t, await call(app, w(req('PATCH', `${base}/${b.id}`, { url: 'https://other.example/' }))), 400);
  assertProblem(t, await call(app, w(req('PATCH', `${base}/${b.id}`, { position: -1 }))), 400);
  assertProblem(t, await call(app, w(req('PATCH', `${base}/999`, { position: 1 }))), 404, 'not-found');
  const other = await make.article(section.id);
  assertProblem(t, await call(app, w(req('PATCH', `/v1/articles/${other.id}/related-links/${a.id}`, { position: 1 }))), 404, 'not-found');
  assertProblem(t, await call(app, w({ method: 'DELETE', url: `/v1/articles/${other.id}/related-links/${a.id}` })), 404);
  t.equal(await count(), 2, 'a link belongs to its own article only');

  const before = await versionOf(owner.id);
  const del = await app.inject(w({ method: 'DELETE', url: `${base}/${a.id}` }));
  t.equal(del.statusCode, 204);
  t.equal(del.body, '');
  t.equal(await count(), 1);
  t.equal(await versionOf(owner.id), before + 1);
  t.equal(del.headers['article-etag'], `"${before + 1}"`, 'a 204 carries it as a header');
  assertProblem(t, await call(app, w({ method: 'DELETE', url: `${base}/${a.id}` })), 404, 'not-found');
  assertProblem(t, await call(app, w({ method: 'DELETE', url: `${base}/abc` })), 400);
});

t.test('internal links follow their target: current title and slug, visibility, permanent deletion', async (t) => {
  const { app, count, auth, w, make, section, owner, linksOf } = await setup(t);
  const target = await make.article(section.id, { title: '旧标题', slug: 'old-title' });
  const draft = await make.article(section.id, { title: '草稿', status: 'draft' });
  await make.link(owner.id, { targetArticleId: target.id });
  await make.link(owner.id, { targetArticleId: draft.id });
  await make.link(owner.id, { url: 'https://example.com/', title: '外链' });

  const visible = await linksOf(owner.id);
  t.same(visible.map((l) => l.targetArticleId), [target.id, null], "a link to a draft is hidden from readers");
  const embedded = (await call(app, { method: 'GET', url: `/v1/articles/${owner.id}?include=relatedLinks` })).body.relatedLinks as Link[];
  t.same(embedded.map((l) => l.targetArticleId), [target.id, null], 'in include=relatedLinks too');
  const listed = (await call(app, { method: 'GET', url: '/v1/articles?include=relatedLinks' })).body.data;
  t.same(listed.find((a: { id: number }) => a.id === owner.id).relatedLinks.map((l: Link) => l.targetArticleId), [target.id, null], 'and in lists');

  await call(app, w(req('PATCH', `/v1/articles/${target.id}`, { title: '新标题', slug: 'new-title' })));
  t.match((await linksOf(owner.id))[0], { title: '新标题', targetSlug: 'new-title' }, "the target's current title and slug");

  await call(app, w({ method: 'DELETE', url: `/v1/articles/${target.id}` }));
  t.same((await linksOf(owner.id)).map((l) => l.targetArticleId), [null], 'a link to a trashed article is hidden');
  await call(app, w({ method: 'POST', url: `/v1/articles/${target.id}/restore` }));
  t.equal((await linksOf(owner.id)).length, 2, 'and back after restore');

  const purge = await app.inject({ method: 'DELETE', url: `/v1/articles/${target.id}?permanent=true`, headers: { ...auth.admin } });
  t.equal(purge.statusCode, 204);
  t.equal(await count(), 2, 'the link to the deleted article went with it');
  t.same((await linksOf(owner.id)).map((l) => l.url), ['https://example.com/']);
});

t.test("a link write answers with the article's new version, so the next If-Match on the article goes through", async (t) => {
  const { app, w, make, section, owner } = await setup(t);
  const read = await call(app, { method: 'GET', url: `/v1/articles/${owner.id}` });
  const target = await make.article(section.id, { title: '津甘协作' });
  const added = await call(app, w(req('POST', `/v1/articles/${owner.id}/related-links`, { targetArticleId: target.id })));
  const stale = assertProblem(t, await call(app, w(req('PATCH', `/v1/articles/${owner.id}`, { summary: '摘要' }, { 'if-match': read.headers.etag as string }))), 412);
  t.equal(stale.currentVersion, added.body.articleVersion, "the article's ETag from before the link is stale");
  const patched = await call(app, w(req('PATCH', `/v1/articles/${owner.id}`, { summary: '摘要' }, { 'if-match': added.headers['article-etag'] as string })));
  t.equal(patched.status, 200, 'the Article-ETag of the link write is current');
  const moved = await call(app, w(req('PATCH', `/v1/articles/${owner.id}/related-links/${added.body.id}`, { position: 3 })));
  const removed = await app.inject(w({ method: 'DELETE', url: `/v1/articles/${owner.id}/related-links/${added.body.id}` }));
  t.equal(moved.body.articleVersion, patched.body.version + 1);
  t.equal(removed.headers['article-etag'], `"${patched.body.version + 2}"`);
  t.equal((await call(app, w(req('PATCH', `/v1/articles/${owner.id}`, { summary: '摘要二' }, { 'if-match': removed.headers['article-etag'] as string })))).status, 200);
});

t.test('an article has at most 100 links', async (t) => {
  const { app, w, owner, count } = await setup(t);
  const url = `/v1/articles/${owner.id}/related-links`;
  for (let i = 0; i < 100; i++) await call(app, w(req('POST', url, { url: `https://example.com/${i}`, title: `链接${i}` })));
  t.equal(await count(), 100);
  assertProblem(t, await call(app, w(req('POST', url, { url: 'https://example.com/x', title: '多余' }))), 409, 'too-many-links');
  t.equal(await count(), 100);
  const listed = (await call(app, { method: 'GET', url })).body.data as Link[];
  t.same(listed.map((l) => l.position), Array.from({ length: 100 }, (_, i) => i));
});

t.test('readers cannot write links, editors can link drafts', async (t) => {
  const { app, w, make, section, owner, count } = await setup(t);
  const draft = await make.article(section.id, { status: 'draft' });
  assertProblem(t, await call(app, req('POST', `/v1/articles/${owner.id}/related-links`, { targetArticleId: draft.id })), 401);
  t.equal(await count(), 0);
  const link = await call(app, w(req('POST', `/v1/articles/${draft.id}/related-links`, { targetArticleId: owner.id })));
  t.equal(link.status, 201, 'a draft can have links');
  const asEditor = await call(app, w({ method: 'GET', url: `/v1/articles/${owner.id}?include=relatedLinks` }));
  t.same(asEditor.body.relatedLinks, []);
  await make.link(owner.id, { targetArticleId: draft.id });
  const editorView = (await call(app, w({ method: 'GET', url: `/v1/articles/${owner.id}/related-links` }))).body.data as Link[];
  t.same(editorView.map((l) => l.targetArticleId), [draft.id], 'editors see links to drafts');
  t.same((await call(app, { method: 'GET', url: `/v1/articles/${owner.id}/related-links` })).body.data, [], 'readers do not');
  assertProblem(t, await call(app, { method: 'GET', url: `/v1/articles/${draft.id}/related-links` }), 404);
});
