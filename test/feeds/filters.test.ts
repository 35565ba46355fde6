import { parseFeed } from '@rowanmanning/feed-parser';
import t from 'tap';
import { assertProblem, call, createKey } from '../helpers/app.js';
import { hoursFrom, writeHeadersOf } from '../helpers/factories.js';
import { articleTag, BASE, HIDDEN_TITLES, newsroom, START, type Newsroom } from './fixtures.js';
import { assertJsonFeed } from './json-feed-schema.js';
import { assertWellFormed } from './well-formed.js';

const ids = async (n: Newsroom, query: string, headers: Record<string, string> = {}) => {
  const res = await call(n.app, { method: 'GET', url: `/v1/feeds/json${query}`, headers });
  if (res.status !== 200) throw new Error(`feed answered ${res.status}`);
  return (res.body.items as { id: string }[]).map((i) => i.id);
};

t.test('filters, limits, leaks and caching', async (t) => {
  const n = await newsroom(t);
  const { inSub, inParent, sport } = n.visible;

  t.test('section (id or slug) includes its subsections; source filters too', async (t) => {
    t.same(await ids(n, '?section=tianjin'), [articleTag(inSub.id), articleTag(inParent.id)]);
    t.same(await ids(n, `?section=${n.sections.tianjin.id}`), [articleTag(inSub.id), articleTag(inParent.id)], 'by id');
    t.same(await ids(n, '?section=zhengqing'), [articleTag(inSub.id)]);
    t.same(await ids(n, '?source=tianjin-daily'), [articleTag(inSub.id)]);
    t.same(await ids(n, '?section=tiyu&source=tianjin-daily'), [], 'both filters apply');
    const rss = await call(n.app, { method: 'GET', url: '/v1/feeds/rss?section=tianjin&limit=10' });
    t.match(rss.body, `<title>Masthead · 天津</title>`);
    t.match(rss.body, `<atom:link href="${BASE}/v1/feeds/rss?section=tianjin&amp;limit=10" rel="self"`, 'the self link keeps the filters, &-escaped');
  });

  t.test('an empty section is a valid, empty feed in every format', async (t) => {
    for (const format of ['rss', 'atom']) {
      const res = await call(n.app, { method: 'GET', url: `/v1/feeds/${format}?section=fazhi` });
      t.equal(res.status, 200);
      assertWellFormed(t, res.body, `empty ${format}`);
      const feed = parseFeed(res.body);
      t.equal(feed.items.length, 0, `${format}: no items`);
      t.equal(feed.title, 'Masthead · 法治');
    }
    const json = await call(n.app, { method: 'GET', url: '/v1/feeds/json?section=fazhi' });
    assertJsonFeed(t, json.body);
    t.same(json.body.items, []);
  });

  t.test('unknown filters are 404s; limits are 1–100', async (t) => {
    assertProblem(t, await call(n.app, { method: 'GET', url: '/v1/feeds/rss?section=nope' }), 404, 'not-found');
    assertProblem(t, await call(n.app, { method: 'GET', url: '/v1/feeds/atom?source=nope' }), 404, 'not-found');
    for (const limit of ['0', '101', '-1', 'abc', '1.5']) {
      const res = assertProblem(t, await call(n.app, { method: 'GET', url: `/v1/feeds/rss?limit=${limit}` }), 400, 'validation-failed');
      t.equal(res.errors[0].pointer, '/limit');
    }
    assertProblem(t, await call(n.app, { method: 'GET', url: '/v1/feeds/json?sort=title' }), 400, 'validation-failed');
    t.same(await ids(n, '?limit=1'), [articleTag(inSub.id)]);
    t.equal((await ids(n, '?limit=100')).length, 3);
  });

  t.test('an editor’s key gets the public feed; a partner key only its sections', async (t) => {
    const editor = await call(n.app, { method: 'GET', url: '/v1/feeds/rss', headers: writeHeadersOf(n) });
    for (const title of HIDDEN_TITLES) t.notOk(editor.body.includes(title), `no ${title} for editors either`);
    t.equal(parseFeed(editor.body).items.length, 3);
    t.equal(editor.headers['cache-control'], 'private, no-store', 'never stored: the caching plugin keeps editors’ answers private');
    const partner = await createKey(n.store, n.clock, { scope: 'read', sections: ['tiyu'] });
    t.same(await ids(n, '', partner.header), [articleTag(sport.id)]);
  });

  t.test('a scheduled article appears once it is due, not before', async (t) => {
    const before = await ids(n, '');
    t.notOk(before.includes(articleTag(n.hidden.scheduled!.id)));
    n.clock.set(hoursFrom(START, 6));
    t.equal((await ids(n, ''))[0], articleTag(n.hidden.scheduled!.id), 'newest once due');
    n.clock.set(START);
  });

  t.test('the guid stays when the slug changes; the link follows it', async (t) => {
    const before = parseFeed((await call(n.app, { method: 'GET', url: '/v1/feeds/rss' })).body).items[0]!;
    const patched = await call(n.app, { method: 'PATCH', url: `/v1/articles/${inSub.id}`, payload: { slug: 'xin-de-slug' }, headers: writeHeadersOf(n) });
    t.equal(patched.status, 200);
    const after = parseFeed((await call(n.app, { method: 'GET', url: '/v1/feeds/rss' })).body).items[0]!;
    t.equal(after.id, before.id, 'same guid');
    t.equal(after.id, articleTag(inSub.id));
    t.equal(after.url, `${BASE}/articles/xin-de-slug`);
    const atom = parseFeed((await call(n.app, { method: 'GET', url: '/v1/feeds/atom' })).body).items[0]!;
    t.equal(atom.id, articleTag(inSub.id), 'same Atom id');
  });

  t.test('ETag and 304; a change makes a new ETag', async (t) => {
    const first = await call(n.app, { method: 'GET', url: '/v1/feeds/atom?section=tianjin' });
    const etag = String(first.headers.etag);
    t.match(etag, /^W\/"atom-/);
    const again = await call(n.app, { method: 'GET', url: '/v1/feeds/atom?section=tianjin', headers: { 'if-none-match': etag } });
    t.equal(again.status, 304);
    t.equal(again.body, '');
    const rss = await call(n.app, { method: 'GET', url: '/v1/feeds/rss?section=tianjin', headers: { 'if-none-match': etag } });
    t.equal(rss.status, 200, 'another format has another ETag');
    await call(n.app, { method: 'PATCH', url: `/v1/articles/${inParent.id}`, payload: { title: '改过的标题' }, headers: writeHeadersOf(n) });
    const changed = await call(n.app, { method: 'GET', url: '/v1/feeds/atom?section=tianjin', headers: { 'if-none-match': etag } });
    t.equal(changed.status, 200);
    t.not(changed.headers.etag, etag);
    t.match(changed.body, '改过的标题');
    await call(n.app, { method: 'PATCH', url: `/v1/sections/${n.sections.tianjin.id}`, payload: { name: '天津市' }, headers: writeHeadersOf(n) });
    const renamed = await call(n.app, { method: 'GET', url: '/v1/feeds/atom?section=tianjin', headers: { 'if-none-match': String(changed.headers.etag) } });
    t.equal(renamed.status, 200, 'renaming the section changes the feed (its title and categories)');
  });

  t.test('HEAD answers like GET without a body', async (t) => {
    const res = await n.app.inject({ method: 'HEAD', url: '/v1/feeds/rss' });
    t.equal(res.statusCode, 200);
    t.equal(res.headers['content-type'], 'application/rss+xml; charset=utf-8');
    t.equal(res.body, '');
  });
});
