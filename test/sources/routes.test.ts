import t, { type Test } from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { countStored } from '../helpers/store-rows.js';
import { factories, nextLink, req, withHeaders, writeHeadersOf } from '../helpers/factories.js';

const NOW = '2026-11-27T08:00:00.000Z';

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  const w = withHeaders(writeHeadersOf(ctx));
  const stored = (id: number) => ctx.store.sources.byId(id);
  return { ...ctx, w, make: factories(ctx), stored, count: () => countStored(ctx.store, 'sources') };
}

t.test('create, read, list, update, delete a source', async (t) => {
  const { app, w, stored, count } = await setup(t);
  const created = await call(app, w(req('POST', '/v1/sources', { name: '天津日报', url: 'https://www.enorth.com.cn/' })));
  t.equal(created.status, 201);
  t.match(String(created.headers['content-type']), /^application\/json/);
  t.equal(created.headers.location, `/v1/sources/${created.body.id}`);
  t.equal(created.headers.etag, '"1"');
  t.same(created.body, {
    id: created.body.id,
    slug: 'tian-jin-ri-bao',
    name: '天津日报',
    url: 'https://www.enorth.com.cn/',
    kind: 'newspaper',
    version: 1,
    createdAt: NOW,
    updatedAt: NOW,
  });
  t.match(await stored(created.body.id), { slug: 'tian-jin-ri-bao', name: '天津日报', kind: 'newspaper' });

  const byId = await call(app, { method: 'GET', url: `/v1/sources/${created.body.id}` });
  t.equal(byId.status, 200);
  t.same(byId.body, created.body);
  t.equal(byId.headers.etag, '"1"');
  t.same((await call(app, { method: 'GET', url: '/v1/sources/slug/tian-jin-ri-bao' })).body, created.body);
  const notMod = await app.inject({ method: 'GET', url: `/v1/sources/${created.body.id}`, headers: { 'if-none-match': '"1"' } });
  t.equal(notMod.statusCode, 304);

  const twin = await call(app, w(req('POST', '/v1/sources', { name: '天津日报', kind: 'agency' })));
  t.equal(twin.body.slug, 'tian-jin-ri-bao-2', 'a generated slug gets a suffix on collision');
  t.equal(twin.body.kind, 'agency');

  const patched = await call(app, w(req('PATCH', `/v1/sources/${created.body.id}`, { name: '天津日报社', url: null })));
  t.equal(patched.status, 200);
  t.equal(patched.headers.etag, '"2"');
  t.match(patched.body, { name: '天津日报社', url: null, version: 2, slug: 'tian-jin-ri-bao' });
  t.match(await stored(created.body.id), { name: '天津日报社', url: null, version: 2 });

  const del = await app.inject(w({ method: 'DELETE', url: `/v1/sources/${twin.body.id}` }));
  t.equal(del.statusCode, 204);
  t.equal(del.body, '');
  t.equal(await count(), 1);
  assertProblem(t, await call(app, { method: 'GET', url: `/v1/sources/${twin.body.id}` }), 404, 'not-found');
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/sources/slug/tian-jin-ri-bao-2' }), 404, 'not-found');
  assertProblem(t, await call(app, w({ method: 'DELETE', url: `/v1/sources/${twin.body.id}` })), 404, 'not-found');
  assertProblem(t, await call(app, w(req('PATCH', '/v1/sources/999', { name: 'x' }))), 404, 'not-found');
});

t.test('a source named by an article cannot be deleted', async (t) => {
  const { app, w, make, count } = await setup(t);
  const section = await make.section();
  const source = await make.source({ name: '新华社', kind: 'agency' });
  const article = await make.article(section.id, { sourceId: source.id });
  const busy = assertProblem(t, await call(app, w({ method: 'DELETE', url: `/v1/sources/${source.id}` })), 409, 'source-in-use');
  t.match(busy.detail, /article/i, 'the problem says why');
  await call(app, w({ method: 'DELETE', url: `/v1/articles/${article.id}` }));
  assertProblem(t, await call(app, w({ method: 'DELETE', url: `/v1/sources/${source.id}` })), 409, 'source-in-use', );
  t.equal(await count(), 1, 'a trashed article still holds its source');
  await call(app, w(req('PATCH', `/v1/articles/${article.id}`, { sourceId: null })));
  t.equal((await app.inject(w({ method: 'DELETE', url: `/v1/sources/${source.id}` }))).statusCode, 204);
  t.equal(await count(), 0);
});

t.test('validation: kind, slug, url, name, unknown fields', async (t) => {
  const { app, w, make, count } = await setup(t);
  await make.source({ name: 'A', slug: 'a' });
  const cases: [unknown, string][] = [
    [{ name: 'x', kind: 'blog' }, '/kind'],
    [{ name: 'x', kind: 'Newspaper' }, '/kind'],
    [{ name: 'x', kind: null }, '/kind'],
    [{ name: 'x', slug: 'Tianjin Daily' }, '/slug'],
    [{ name: 'x', url: 'ftp://example.com/' }, '/url'],
    [{ name: 'x', url: 'javascript:alert(1)' }, '/url'],
    [{ name: 'x', url: 'not a url' }, '/url'],
    [{ name: '' }, '/name'],
    [{ name: '   ' }, '/name'],
    [{ name: 'x'.repeat(201) }, '/name'],
    [{ name: 'a\u0000b' }, '/name'],
    [{}, '/name'],
  ];
  for (const [body, pointer] of cases) {
    const p = assertProblem(t, await call(app, w(req('POST', '/v1/sources', body))), 400, 'validation-failed');
    t.match(p.errors, [{ in: 'body', pointer }], `${JSON.stringify(body).slice(0, 60)} → ${pointer}`);
  }
  const unknown = assertProblem(t, await call(app, w(req('POST', '/v1/sources', { name: 'x', colour: 'red' }))), 400);
  t.match(unknown.errors, [{ in: 'body' }]);
  const dup = assertProblem(t, await call(app, w(req('POST', '/v1/sources', { name: 'B', slug: 'a' }))), 409, 'slug-taken');
  t.match(dup.errors, [{ pointer: '/slug' }]);
  t.notMatch(dup.detail, /SQLITE|UNIQUE/);
  t.equal(await count(), 1, 'nothing stored');

  const b = await make.source({ name: 'B', slug: 'b' });
  assertProblem(t, await call(app, w(req('PATCH', `/v1/sources/${b.id}`, { slug: 'a' }))), 409, 'slug-taken');
  assertProblem(t, await call(app, w(req('PATCH', `/v1/sources/${b.id}`, { kind: 'blog' }))), 400);
  assertProblem(t, await call(app, w(req('PATCH', `/v1/sources/${b.id}`, { name: null }))), 400);
  assertProblem(t, await call(app, w(req('PATCH', `/v1/sources/${b.id}`, { version: 9 }))), 400);
  for (const kind of ['newspaper', 'agency', 'website', 'partner', 'internal']) {
    t.equal((await call(app, w(req('PATCH', `/v1/sources/${b.id}`, { kind })))).body.kind, kind, `kind ${kind}`);
  }
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/sources/abc' }), 400);
  assertProblem(t, await call(app, { method: 'PUT', url: `/v1/sources/${b.id}` }), 405, 'method-not-allowed');
});

t.test('If-Match on update and delete', async (t) => {
  const { app, w, make, stored } = await setup(t);
  const s = await make.source({ name: 'X' });
  const stale = assertProblem(t, await call(app, w(req('PATCH', `/v1/sources/${s.id}`, { name: 'Y' }, { 'if-match': '"7"' }))), 412, 'version-mismatch');
  t.equal(stale.currentVersion, 1);
  t.equal((await stored(s.id))!.name, 'X');
  assertProblem(t, await call(app, w(req('PATCH', `/v1/sources/${s.id}`, { name: 'Y' }, { 'if-match': 'seven' }))), 400);
  t.equal((await call(app, w(req('PATCH', `/v1/sources/${s.id}`, { name: 'Y' }, { 'if-match': '"1"' })))).status, 200);
  assertProblem(t, await call(app, w({ method: 'DELETE', url: `/v1/sources/${s.id}`, headers: { 'if-match': '"1"' } })), 412);
  t.ok(await stored(s.id), 'still there');
  t.equal((await app.inject(w({ method: 'DELETE', url: `/v1/sources/${s.id}`, headers: { 'if-match': '"2"' } }))).statusCode, 204);
});

t.test('list by name with cursor paging and the kind filter', async (t) => {
  const { app, make } = await setup(t);
  const names = ['新华社', 'Reuters', '天津日报', 'AP', '北方网', '人民日报', 'AP'];
  for (const [i, name] of names.entries()) await make.source({ name, kind: i % 2 ? 'agency' : 'newspaper' });
  const seen: { id: number; name: string }[] = [];
  let url: string | undefined = '/v1/sources?limit=3';
  while (url) {
    const page = await call(app, { method: 'GET', url });
    t.equal(page.status, 200);
    t.equal(page.body.page.limit, 3);
    seen.push(...page.body.data);
    url = nextLink(page.headers.link);
    t.equal(url !== undefined, page.body.page.nextCursor !== null, 'Link exactly when there is a next page');
  }
  t.equal(seen.length, 7);
  t.equal(new Set(seen.map((s) => s.id)).size, 7);
  const sorted = [...seen].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  t.same(seen, sorted, 'by name, then id');
  const agencies = await call(app, { method: 'GET', url: '/v1/sources?kind=agency' });
  t.equal(agencies.body.data.length, 3);
  t.ok(agencies.body.data.every((s: { kind: string }) => s.kind === 'agency'));
  const first = await call(app, { method: 'GET', url: '/v1/sources?limit=2' });
  assertProblem(t, await call(app, { method: 'GET', url: `/v1/sources?kind=agency&cursor=${first.body.page.nextCursor}` }), 400);
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/sources?kind=blog' }), 400);
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/sources?limit=0' }), 400);
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/sources?limit=101' }), 400);
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/sources?cursor=garbage' }), 400);
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/sources?sort=name' }), 400);
});
