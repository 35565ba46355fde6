import t from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';

/** A JSON request; each test shadows this with `writer(auth.write)` so that its writes carry a write key. */
const writer = (key: Record<string, string>) => (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) => ({
  method: method as 'POST',
  url,
  payload: payload as object,
  headers: { ...key, ...headers },
});

t.test('create, read, list, update, delete a section', async (t) => {
  const { app, auth } = await buildTestApp(t);
  const json = writer(auth.write);
  const created = await call(app, json('POST', '/v1/sections', { name: '天津', position: 1 }));
  t.equal(created.status, 201);
  t.equal(created.headers.location, `/v1/sections/${created.body.id}`);
  t.match(created.body, { slug: 'tian-jin', name: '天津', parentId: null, position: 1, version: 1, description: null });
  t.equal(created.body.createdAt, '2026-11-27T08:00:00.000Z');

  const byId = await call(app, { method: 'GET', url: `/v1/sections/${created.body.id}` });
  t.equal(byId.status, 200);
  t.same(byId.body, created.body);
  t.equal(byId.headers.etag, '"1"');

  const bySlug = await call(app, { method: 'GET', url: '/v1/sections/slug/tian-jin' });
  t.same(bySlug.body, created.body);

  const child = await call(app, json('POST', '/v1/sections', { name: '政情', parentId: created.body.id, slug: 'zhengqing' }));
  t.equal(child.status, 201);

  const tree = await call(app, { method: 'GET', url: '/v1/sections/tree' });
  t.equal(tree.body.data.length, 1);
  t.equal(tree.body.data[0].children[0].slug, 'zhengqing');

  const patched = await call(app, json('PATCH', `/v1/sections/${created.body.id}`, { name: '天津新闻' }));
  t.equal(patched.status, 200);
  t.equal(patched.body.name, '天津新闻');
  t.equal(patched.body.version, 2);

  const busy = await call(app, json('DELETE', `/v1/sections/${created.body.id}`));
  assertProblem(t, busy, 409, 'section-has-children');

  t.equal((await call(app, json('DELETE', `/v1/sections/${child.body.id}`))).status, 204);
  t.equal((await call(app, json('DELETE', `/v1/sections/${created.body.id}`))).status, 204);
  assertProblem(t, await call(app, { method: 'GET', url: `/v1/sections/${created.body.id}` }), 404, 'not-found');
});

t.test('bad input is a 400 naming the field', async (t) => {
  const { app, auth } = await buildTestApp(t);
  const json = writer(auth.write);
  const unknown = assertProblem(t, await call(app, json('POST', '/v1/sections', { name: 'x', colour: 'red' })), 400, 'validation-failed');
  t.match(unknown.errors, [{ in: 'body' }]);
  const blank = assertProblem(t, await call(app, json('POST', '/v1/sections', { name: '   ' })), 400);
  t.match(blank.errors, [{ pointer: '/name' }]);
  const nul = assertProblem(t, await call(app, json('POST', '/v1/sections', { name: 'a\u0000b' })), 400);
  t.match(nul.errors, [{ pointer: '/name' }]);
  const lone = await app.inject({ method: 'POST', url: '/v1/sections', payload: '{"name":"\\ud800"}', headers: { ...auth.write, 'content-type': 'application/json' } });
  t.equal(lone.statusCode, 400);
  const malformed = await call(app, { method: 'POST', url: '/v1/sections', payload: '{"name":', headers: { ...auth.write, 'content-type': 'application/json' } });
  assertProblem(t, malformed, 400);
  const media = await call(app, { method: 'POST', url: '/v1/sections', payload: 'name=x', headers: { ...auth.write, 'content-type': 'text/plain' } });
  assertProblem(t, media, 415);
  const badSlug = assertProblem(t, await call(app, json('POST', '/v1/sections', { name: 'x', slug: '天津' })), 400);
  t.match(badSlug.errors, [{ pointer: '/slug' }]);
  const badLimit = assertProblem(t, await call(app, { method: 'GET', url: '/v1/sections?limit=-1' }), 400);
  t.match(badLimit.errors, [{ in: 'query', pointer: '/limit' }]);
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/sections?cursor=nonsense' }), 400);
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/sections/99999999999999999999' }), 400);
  assertProblem(t, await call(app, { method: 'PUT', url: '/v1/sections/1' }), 405, 'method-not-allowed');
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/nothing' }), 404, 'route-not-found');
});

t.test('slug conflicts and parent cycles', async (t) => {
  const { app, auth } = await buildTestApp(t);
  const json = writer(auth.write);
  const a = await call(app, json('POST', '/v1/sections', { name: 'A', slug: 'a' }));
  const b = await call(app, json('POST', '/v1/sections', { name: 'B', slug: 'b', parentId: a.body.id }));
  const dup = assertProblem(t, await call(app, json('POST', '/v1/sections', { name: 'A2', slug: 'a' })), 409, 'slug-taken');
  t.match(dup.errors, [{ pointer: '/slug' }]);
  t.notMatch(dup.detail, /SQLITE|UNIQUE/);
  assertProblem(t, await call(app, json('PATCH', `/v1/sections/${a.body.id}`, { parentId: b.body.id })), 409, 'section-cycle');
  assertProblem(t, await call(app, json('PATCH', `/v1/sections/${a.body.id}`, { parentId: a.body.id })), 409, 'section-cycle');
  assertProblem(t, await call(app, json('POST', '/v1/sections', { name: 'C', parentId: 999 })), 400, 'unknown-reference');
  const same = await call(app, json('POST', '/v1/sections', { name: 'A' }));
  t.equal(same.body.slug, 'a-2', 'generated slug gets a suffix on collision');
});

t.test('pagination by position without gaps or duplicates', async (t) => {
  const { app, auth } = await buildTestApp(t);
  const json = writer(auth.write);
  for (let i = 0; i < 7; i++) await call(app, json('POST', '/v1/sections', { name: `S${i}`, position: i % 3 }));
  const seen: number[] = [];
  let url: string | undefined = '/v1/sections?limit=3';
  while (url) {
    const page = await call(app, { method: 'GET', url });
    seen.push(...page.body.data.map((s: { id: number }) => s.id));
    t.equal(page.body.page.limit, 3);
    const link = page.headers.link as string | undefined;
    url = link ? /<([^>]+)>/.exec(link)?.[1] : undefined;
    if (!page.body.page.nextCursor) t.notOk(link);
  }
  t.equal(seen.length, 7);
  t.equal(new Set(seen).size, 7);
});

t.test('If-Match and conditional GET', async (t) => {
  const { app, auth } = await buildTestApp(t);
  const json = writer(auth.write);
  const s = await call(app, json('POST', '/v1/sections', { name: 'X' }));
  const notMod = await app.inject({ method: 'GET', url: `/v1/sections/${s.body.id}`, headers: { 'if-none-match': '"1"' } });
  t.equal(notMod.statusCode, 304);
  t.equal(notMod.body, '');
  const stale = assertProblem(t, await call(app, json('PATCH', `/v1/sections/${s.body.id}`, { name: 'Y' }, { 'if-match': '"7"' })), 412);
  t.equal(stale.currentVersion, 1);
  const ok = await call(app, json('PATCH', `/v1/sections/${s.body.id}`, { name: 'Y' }, { 'if-match': '"1"' }));
  t.equal(ok.status, 200);
  const anyOf = await call(app, json('PATCH', `/v1/sections/${s.body.id}`, { name: 'Z' }, { 'if-match': '"1", "2"' }));
  t.equal(anyOf.body.version, 3, 'a list of tags matches by any of them');
  assertProblem(t, await call(app, json('DELETE', `/v1/sections/${s.body.id}`, undefined, { 'if-match': '"1", "2"' })), 412, 'version-mismatch');
  t.equal((await call(app, json('DELETE', `/v1/sections/${s.body.id}`, undefined, { 'if-match': '"2", "3"' }))).status, 204, 'a delete too');
});

t.test('a PATCH that changes nothing keeps the version (sections and sources)', async (t) => {
  const { app, auth } = await buildTestApp(t);
  const json = writer(auth.write);
  for (const kind of ['sections', 'sources']) {
    const created = await call(app, json('POST', `/v1/${kind}`, { name: '天津' }));
    const same = await call(app, json('PATCH', `/v1/${kind}/${created.body.id}`, { name: '天津', slug: created.body.slug }));
    t.equal(same.status, 200);
    t.equal(same.body.version, 1, `${kind}: no new version`);
    t.equal(same.body.updatedAt, created.body.updatedAt, `${kind}: updatedAt untouched`);
    const changed = await call(app, json('PATCH', `/v1/${kind}/${created.body.id}`, { name: '天津市' }));
    t.equal(changed.body.version, 2, `${kind}: a real change bumps it`);
  }
});
