// SQLite-specific: counts the statements the app prepares on the SQLite driver (one per request, not N+1).
import t from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { factories, req } from '../helpers/factories.js';

/** Counts the SQL statements the app prepares while `fn` runs (drizzle prepares each query it runs). */
async function countStatements(db: { $client: { prepare: (sql: string) => unknown } }, fn: () => Promise<unknown>) {
  const client = db.$client;
  const original = client.prepare;
  const seen: string[] = [];
  client.prepare = function (this: unknown, sql: string) {
    seen.push(sql);
    return original.call(client, sql);
  } as typeof original;
  try {
    await fn();
  } finally {
    client.prepare = original;
  }
  return seen.filter((s) => /^\s*select/i.test(s));
}

t.test('include embeds relations with one query per relation, whatever the page size', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const section = await f.section();
  const source = await f.source();
  const counts: number[] = [];
  for (const size of [2, 12]) {
    while ((await call(ctx.app, { method: 'GET', url: `/v1/articles?limit=100` })).body.data.length < size) {
      const a = await f.article(section.id, { sourceId: source.id });
      const b = await f.article(section.id);
      await f.link(a.id, { targetArticleId: b.id });
      await f.link(a.id, { url: 'https://example.com/x', title: '外链' });
    }
    let body: { data: { section?: unknown; source?: unknown; relatedLinks?: unknown[] }[] } = { data: [] };
    const statements = await countStatements(ctx.db, async () => {
      body = (await call(ctx.app, { method: 'GET', url: `/v1/articles?limit=${size}&include=section,source,relatedLinks` })).body;
    });
    t.equal(body.data.length, size);
    t.ok(body.data.every((a) => a.section && 'source' in a && Array.isArray(a.relatedLinks)), 'every article has its embeds');
    counts.push(statements.length);
  }
  t.equal(counts[0], counts[1], `same number of queries for 2 and 12 articles (${counts.join(' vs ')})`);
  t.ok(counts[0]! <= 6, `a handful of queries per page (${counts[0]})`);
});

t.test('fields chooses fields, lists leave the body out', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const s = await f.section();
  const a = await f.article(s.id, { body: '<p>正文</p>' });
  const list = await call(ctx.app, { method: 'GET', url: '/v1/articles' });
  t.notOk('body' in list.body.data[0], 'no body in lists');
  t.notOk('bodyText' in list.body.data[0], 'no bodyText in lists');
  const withBody = await call(ctx.app, { method: 'GET', url: '/v1/articles?fields=title,body' });
  t.same(Object.keys(withBody.body.data[0]).sort(), ['body', 'id', 'title']);
  t.equal(withBody.body.data[0].body, '<p>正文</p>');
  const one = await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}?fields=slug` });
  t.same(one.body, { id: a.id, slug: a.slug });
  assertProblem(t, await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}?fields=nope` }), 400);
  assertProblem(t, await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}?include=author` }), 400);
});

t.test('conditional requests: ETag, 304, Last-Modified, list ETags', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const s = await f.section();
  const a = await f.article(s.id);
  const first = await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}` });
  t.equal(first.headers.etag, '"1"');
  t.ok(first.headers['last-modified']);
  const again = await ctx.app.inject({ method: 'GET', url: `/v1/articles/${a.id}`, headers: { 'if-none-match': '"1"' } });
  t.equal(again.statusCode, 304);
  t.equal(again.body, '');
  const since = await ctx.app.inject({ method: 'GET', url: `/v1/articles/${a.id}`, headers: { 'if-modified-since': String(first.headers['last-modified']) } });
  t.equal(since.statusCode, 304, 'If-Modified-Since answers 304 too');
  const list = await call(ctx.app, { method: 'GET', url: '/v1/articles' });
  t.ok(list.headers.etag);
  const list304 = await ctx.app.inject({ method: 'GET', url: '/v1/articles', headers: { 'if-none-match': String(list.headers.etag) } });
  t.equal(list304.statusCode, 304);
  await call(ctx.app, req('PATCH', `/v1/articles/${a.id}`, { title: '新标题' }, ctx.auth.write));
  const changed = await ctx.app.inject({ method: 'GET', url: '/v1/articles', headers: { 'if-none-match': String(list.headers.etag) } });
  t.equal(changed.statusCode, 200, 'a changed list is not a 304');
  const old = await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}`, headers: { 'if-none-match': '"1"' } });
  t.equal(old.status, 200, 'an old ETag gets the whole article');
  t.equal(old.headers.etag, '"2"');
  t.equal(old.body.title, '新标题');
  t.same(Object.keys(old.body).sort(), Object.keys(first.body).sort(), 'the whole article, body included');
  const stale = assertProblem(t, await call(ctx.app, req('DELETE', `/v1/articles/${a.id}`, undefined, { ...ctx.auth.write, 'if-match': '"1"' })), 412, 'version-mismatch');
  t.equal(stale.currentVersion, 2);
});

t.test('revalidation keeps the visibility rule: hidden articles are 404, not 304', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const s = await f.section();
  const draft = await call(ctx.app, req('POST', '/v1/articles', { title: '草稿', sectionId: s.id, body: '<p>未发</p>' }, ctx.auth.write));
  t.equal(draft.status, 201);
  for (const headers of [{ 'if-none-match': '"1"' }, { 'if-modified-since': 'Fri, 01 Jan 2100 00:00:00 GMT' }]) {
    assertProblem(t, await call(ctx.app, { method: 'GET', url: `/v1/articles/${draft.body.id}`, headers }), 404);
    const editor = await ctx.app.inject({ method: 'GET', url: `/v1/articles/${draft.body.id}`, headers: { ...headers, ...ctx.auth.write } });
    t.equal(editor.statusCode, 304, 'an editor revalidates the draft');
  }
  const a = await f.article(s.id);
  await call(ctx.app, req('DELETE', `/v1/articles/${a.id}`, undefined, ctx.auth.write));
  assertProblem(t, await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}`, headers: { 'if-none-match': '"2"' } }), 404, 'not-found');
  assertProblem(t, await call(ctx.app, { method: 'GET', url: '/v1/articles/999999', headers: { 'if-none-match': '*' } }), 404);
});

t.test('cache headers: public for anonymous readers, private for keys, no-store for editors', async (t) => {
  const ctx = await buildTestApp(t);
  const s = await factories(ctx).section();
  const anon = await call(ctx.app, { method: 'GET', url: `/v1/sections/${s.id}` });
  t.match(anon.headers['cache-control'], /^public, max-age=60, stale-while-revalidate=300$/);
  const partner = await call(ctx.app, { method: 'GET', url: `/v1/sections/${s.id}`, headers: ctx.auth.read });
  t.match(partner.headers['cache-control'], /^private/);
  const editor = await call(ctx.app, { method: 'GET', url: `/v1/sections/${s.id}`, headers: ctx.auth.write });
  t.equal(editor.headers['cache-control'], 'private, no-store');
  const write = await call(ctx.app, req('PATCH', `/v1/sections/${s.id}`, { name: '改' }, ctx.auth.write));
  t.equal(write.headers['cache-control'], 'no-store');
});

t.test('trash, restore and permanent delete', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const s = await f.section();
  const a = await f.article(s.id, { slug: 'kept' });
  t.equal((await call(ctx.app, req('DELETE', `/v1/articles/${a.id}`, undefined, ctx.auth.write))).status, 204);
  assertProblem(t, await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}` }), 404);
  const trash = await call(ctx.app, { method: 'GET', url: '/v1/articles?deleted=true', headers: ctx.auth.write });
  t.same(trash.body.data.map((x: { id: number }) => x.id), [a.id], 'editors list the trash');
  assertProblem(t, await call(ctx.app, { method: 'GET', url: '/v1/articles?deleted=true' }), 403);
  const clash = await call(ctx.app, req('POST', '/v1/articles', { title: 'x', sectionId: s.id, slug: 'kept' }, ctx.auth.write));
  assertProblem(t, clash, 409, 'slug-taken');
  const restored = await call(ctx.app, req('POST', `/v1/articles/${a.id}/restore`, undefined, ctx.auth.write));
  t.equal(restored.status, 200);
  t.equal(restored.body.deletedAt, null);
  t.equal((await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}` })).status, 200);
  assertProblem(t, await call(ctx.app, req('DELETE', `/v1/articles/${a.id}?permanent=true`, undefined, ctx.auth.write)), 403);
  t.equal((await call(ctx.app, req('DELETE', `/v1/articles/${a.id}?permanent=true`, undefined, ctx.auth.admin))).status, 204);
  assertProblem(t, await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}`, headers: ctx.auth.admin }), 404);
  const reuse = await call(ctx.app, req('POST', '/v1/articles', { title: 'x', sectionId: s.id, slug: 'kept' }, ctx.auth.write));
  t.equal(reuse.status, 201, 'the slug is free once the article is gone for good');
});

t.test('revisions: list, get, diff, restore', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const s = await f.section();
  const a = await f.article(s.id, { title: '初稿标题', body: '<p>第一版</p>' });
  await call(ctx.app, req('PATCH', `/v1/articles/${a.id}`, { title: '错误的标题', body: '<p>第二版</p>' }, ctx.auth.write));
  const list = await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}/revisions`, headers: ctx.auth.write });
  t.same(list.body.data.map((r: { revision: number; current: boolean }) => [r.revision, r.current]), [[2, true], [1, false]]);
  t.equal(list.body.data[1].state.title, '初稿标题');
  const one = await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}/revisions/1`, headers: ctx.auth.write });
  t.equal(one.body.state.body, '<p>第一版</p>');
  const diff = await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}/revisions/1/diff`, headers: ctx.auth.write });
  t.same(diff.body.changes.map((c: { field: string }) => c.field).sort(), ['body', 'title']);
  const restored = await call(ctx.app, req('POST', `/v1/articles/${a.id}/revisions/1/restore`, undefined, ctx.auth.write));
  t.equal(restored.status, 200);
  t.equal(restored.body.title, '初稿标题');
  t.equal(restored.body.bodyText, '第一版');
  t.equal(restored.body.version, 3, 'a restore is a new version');
  const after = await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}/revisions`, headers: ctx.auth.write });
  t.equal(after.body.data.length, 3, 'the restore can itself be undone');
  assertProblem(t, await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}/revisions/9`, headers: ctx.auth.write }), 404);
  assertProblem(t, await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}/revisions` }), 401);
  assertProblem(t, await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}/revisions`, headers: ctx.auth.read }), 403);
});

t.test('an old slug redirects to the current one', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const s = await f.section();
  const a = await f.article(s.id, { slug: 'old-name' });
  await call(ctx.app, req('PATCH', `/v1/articles/${a.id}`, { slug: 'new-name' }, ctx.auth.write));
  const moved = await ctx.app.inject({ method: 'GET', url: '/v1/articles/slug/old-name?include=section' });
  t.equal(moved.statusCode, 308);
  t.equal(moved.headers.location, '/v1/articles/slug/new-name?include=section');
  t.equal((await call(ctx.app, { method: 'GET', url: '/v1/articles/slug/new-name' })).body.id, a.id);
  await call(ctx.app, req('PATCH', `/v1/articles/${a.id}`, { slug: 'third-name' }, ctx.auth.write));
  const twice = await ctx.app.inject({ method: 'GET', url: '/v1/articles/slug/old-name' });
  t.equal(twice.headers.location, '/v1/articles/slug/third-name', 'every old slug points at the current one');
});

t.test('compression of large answers', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const s = await f.section();
  const a = await f.article(s.id, { body: `<p>${'天津'.repeat(2000)}</p>` });
  for (const encoding of ['br', 'gzip']) {
    const res = await ctx.app.inject({ method: 'GET', url: `/v1/articles/${a.id}`, headers: { 'accept-encoding': encoding } });
    t.equal(res.headers['content-encoding'], encoding);
    t.ok(res.rawPayload.length < 2000, `${encoding} shrinks the answer (${res.rawPayload.length} bytes)`);
  }
});
