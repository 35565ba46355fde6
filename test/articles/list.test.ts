import t, { type Test } from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { factories, hoursFrom, nextLink, req, withHeaders, writeHeadersOf } from '../helpers/factories.js';

const NOW = '2026-11-27T08:00:00.000Z';
type Item = { id: number; [k: string]: unknown };

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  const w = withHeaders(writeHeadersOf(ctx));
  const make = factories(ctx);
  const section = await make.section({ name: '天津', slug: 'tianjin' });
  const get = (url: string) => call(ctx.app, { method: 'GET', url });
  const ids = async (url: string) => (await get(url)).body.data.map((a: Item) => a.id) as number[];
  /** Follows Link rel="next" to the end, checking that the header and nextCursor agree on every page. */
  const walk = async (t: Test, url: string, between?: (page: number) => Promise<void>) => {
    const seen: number[] = [];
    let next: string | undefined = url;
    for (let page = 0; next; page++) {
      const res = await get(next);
      t.equal(res.status, 200);
      seen.push(...res.body.data.map((a: Item) => a.id));
      next = nextLink(res.headers.link);
      t.equal(next !== undefined, res.body.page.nextCursor !== null, 'Link rel="next" exactly when nextCursor is set');
      if (next) t.equal(new URL(next, 'http://x').searchParams.get('cursor'), res.body.page.nextCursor);
      if (between) await between(page);
    }
    return seen;
  };
  return { ...ctx, w, make, section, get, ids, walk };
}

t.test('newest first, ties by id; the envelope; body left out', async (t) => {
  const { make, section, get } = await setup(t);
  const old = await make.article(section.id, { publishedAt: '2023-04-18T00:00:00.000Z', body: '<p>旧</p>' });
  const tieA = await make.article(section.id, { publishedAt: '2023-04-19T00:00:00.000Z' });
  const tieB = await make.article(section.id, { publishedAt: '2023-04-19T00:00:00.000Z' });
  const newest = await make.article(section.id, { publishedAt: '2023-04-20T00:00:00.000Z' });
  const res = await get('/v1/articles');
  t.equal(res.status, 200);
  t.match(String(res.headers['content-type']), /^application\/json/);
  t.same(res.body.page, { nextCursor: null, limit: 20 });
  t.notOk(res.headers.link);
  t.same(res.body.data.map((a: Item) => a.id), [newest.id, tieB.id, tieA.id, old.id]);
  t.notOk('body' in res.body.data[3] || 'bodyText' in res.body.data[3], 'no body in lists');
  t.match(res.body.data[3], { title: old.title, slug: old.slug, tags: [] });
  const withBody = await get('/v1/articles?fields=body');
  t.same(withBody.body.data[3], { id: old.id, body: '<p>旧</p>' });
  const slim = await get('/v1/articles?fields=title,slug&include=section');
  t.same(Object.keys(slim.body.data[0]).sort(), ['id', 'section', 'slug', 'title']);
  t.equal(slim.body.data[0].section.slug, 'tianjin');
});

t.test('limit: default 20, max 100, anything else a 400', async (t) => {
  const { make, section, get } = await setup(t);
  for (let i = 0; i < 25; i++) await make.article(section.id, { publishedAt: hoursFrom('2026-01-01T00:00:00.000Z', i) });
  const first = await get('/v1/articles');
  t.equal(first.body.data.length, 20);
  t.equal(first.body.page.limit, 20);
  t.type(first.body.page.nextCursor, 'string');
  t.equal((await get('/v1/articles?limit=100')).body.data.length, 25);
  t.equal((await get('/v1/articles?limit=1')).body.data.length, 1);
  for (const bad of ['0', '-1', '101', 'abc', '1.5', '', '1e400']) {
    const p = assertProblem(t, await get(`/v1/articles?limit=${bad}`), 400, 'validation-failed');
    t.match(p.errors, [{ in: 'query', pointer: '/limit' }], `limit=${bad}`);
  }
});

t.test('cursor paging: every id once, even while articles are inserted', async (t) => {
  const { make, section, walk } = await setup(t);
  const base = '2026-01-01T00:00:00.000Z';
  const original: number[] = [];
  // Some share a publishedAt, so the id tiebreaker is crossed by page boundaries.
  for (let i = 0; i < 45; i++) original.push((await make.article(section.id, { publishedAt: hoursFrom(base, Math.floor(i / 3)) })).id);
  const plain = await walk(t, '/v1/articles?limit=7');
  t.equal(plain.length, 45);
  t.same([...plain].sort((a, b) => a - b), original, 'every id exactly once');

  const inserted: number[] = [];
  const seen = await walk(t, '/v1/articles?limit=7', async (page) => {
    inserted.push((await make.article(section.id, { publishedAt: hoursFrom(base, 100 + page) })).id); // newer: before the cursor
    inserted.push((await make.article(section.id, { publishedAt: hoursFrom(base, -100 - page) })).id); // older: after it
    inserted.push((await make.article(section.id, { publishedAt: hoursFrom(base, 7) })).id); // a tie in the middle
  });
  const fromOriginal = seen.filter((id) => original.includes(id));
  t.equal(fromOriginal.length, 45, 'no gaps among the original articles');
  t.equal(new Set(seen).size, seen.length, 'no duplicates at all');
  t.ok(seen.every((id) => original.includes(id) || inserted.includes(id)));
});

t.test('cursors: garbage and reuse with another sort or filter are 400', async (t) => {
  const { make, section, get } = await setup(t);
  for (let i = 0; i < 5; i++) await make.article(section.id, { tags: ['甲'], publishedAt: hoursFrom(NOW, -i - 1) });
  const cursor = (await get('/v1/articles?limit=2')).body.page.nextCursor as string;
  t.equal((await get(`/v1/articles?limit=3&cursor=${cursor}`)).status, 200, 'another limit is fine');
  for (const url of [`sort=publishedAt&cursor=${cursor}`, `sort=-updatedAt&cursor=${cursor}`, `tag=%E7%94%B2&cursor=${cursor}`, `section=tianjin&cursor=${cursor}`]) {
    const p = assertProblem(t, await get(`/v1/articles?${url}`), 400, 'validation-failed');
    t.match(p.errors, [{ in: 'query', pointer: '/cursor' }], url);
  }
  const forged = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  for (const bad of ['nonsense', '%00', 'eyJ9', forged(null), forged(5), forged({ s: '-publishedAt', f: 'x', v: {}, id: 1 }), forged({ s: '-publishedAt', v: 1, id: 1e300 }), 'a'.repeat(1025)]) {
    assertProblem(t, await get(`/v1/articles?cursor=${bad}`), 400);
  }
});

t.test('filters', async (t) => {
  const { app, w, make, section, get, ids, clock } = await setup(t);
  const sub = await make.section({ name: '政情', slug: 'zhengqing', parentId: section.id });
  const other = await make.section({ name: '体育', slug: 'tiyu' });
  const src = await make.source({ name: '天津日报', slug: 'tianjin-daily' });
  const a = await make.article(section.id, { tags: ['甘肃'], sourceId: src.id, publishedAt: '2023-04-17T00:00:00.000Z', externalId: 'e-a' });
  const b = await make.article(sub.id, { tags: ['天津', '甘肃'], publishedAt: '2023-04-18T00:00:00.000Z' });
  const c = await make.article(other.id, { tags: ['体育'], sourceId: src.id, publishedAt: '2023-04-19T00:00:00.000Z' });

  t.same(await ids(`/v1/articles?section=${section.id}`), [b.id, a.id], 'by id, with subsections');
  t.same(await ids('/v1/articles?section=tianjin'), [b.id, a.id], 'by slug');
  t.same(await ids('/v1/articles?section=zhengqing'), [b.id]);
  t.match(assertProblem(t, await get('/v1/articles?section=nowhere'), 400).errors, [{ in: 'query', pointer: '/section' }]);
  t.same(await ids(`/v1/articles?source=${src.id}`), [c.id, a.id]);
  t.same(await ids('/v1/articles?source=tianjin-daily'), [c.id, a.id]);
  t.match(assertProblem(t, await get('/v1/articles?source=999'), 400).errors, [{ in: 'query', pointer: '/source' }]);
  t.same(await ids(`/v1/articles?tag=${encodeURIComponent('甘肃')}`), [b.id, a.id]);
  t.same(await ids(`/v1/articles?tag=${encodeURIComponent('天津,体育')}`), [c.id, b.id], 'any of several');
  t.same(await ids(`/v1/articles?tag=${encodeURIComponent('甘肃,天津')}`), [b.id, a.id], 'an article with both tags once');
  assertProblem(t, await get('/v1/articles?tag=,,'), 400);
  t.same(await ids('/v1/articles?publishedAfter=2023-04-18T00:00:00.000Z'), [c.id, b.id], 'publishedAfter is inclusive');
  t.same(await ids('/v1/articles?publishedBefore=2023-04-18T00:00:00.000Z'), [a.id], 'publishedBefore is exclusive');
  t.same(await ids('/v1/articles?publishedAfter=2023-04-18T00:00:00.000Z&publishedBefore=2023-04-19T00:00:00.000Z'), [b.id]);
  assertProblem(t, await get('/v1/articles?publishedAfter=yesterday'), 400);
  clock.advance(60_000);
  await call(app, w(req('PATCH', `/v1/articles/${a.id}`, { summary: '新' })));
  t.same(await ids(`/v1/articles?updatedSince=${hoursFrom(NOW, 0.01)}`), [a.id]);
  t.same(await ids('/v1/articles?externalId=e-a'), [a.id]);
  t.same(await ids('/v1/articles?externalId=nope'), []);
  t.same(await ids(`/v1/articles?section=tianjin&tag=${encodeURIComponent('天津')}`), [b.id], 'filters combine');
  const year = await make.source({ name: '2023', slug: '2023' });
  const yearSection = await make.section({ name: '2023年', slug: '2023' });
  const d = await make.article(yearSection.id, { sourceId: year.id, publishedAt: '2023-04-16T00:00:00.000Z' });
  t.same(await ids('/v1/articles?source=2023'), [d.id], 'an all-digit slug still finds its source');
  t.same(await ids('/v1/articles?section=2023'), [d.id], 'and its section');
  t.same(await ids(`/v1/articles?source=${year.id}`), [d.id], 'ids still work');
  const unknown = assertProblem(t, await get('/v1/articles?colour=red'), 400, 'validation-failed');
  t.match(unknown.errors, [{ in: 'query' }]);
  assertProblem(t, await get('/v1/articles?sort=views'), 400);
});

t.test('every sort, both directions, with paging', async (t) => {
  const { app, w, make, section, walk, clock } = await setup(t);
  const titles = ['乙', 'B', '甲', 'a', 'B', '丙'];
  const made: Item[] = [];
  for (const [i, title] of titles.entries()) {
    clock.advance(1000 * (i % 2 === 0 ? 1 : 0)); // some share createdAt
    made.push(await make.article(section.id, { title, publishedAt: hoursFrom('2026-01-01T00:00:00.000Z', [3, 1, 3, 2, 0, 1][i]!) }));
  }
  clock.advance(5000);
  await call(app, w(req('PATCH', `/v1/articles/${made[0]!.id}`, { summary: '改' })));
  const rows = await Promise.all(made.map(async (a) => (await call(app, { method: 'GET', url: `/v1/articles/${a.id}` })).body as Item));
  for (const key of ['publishedAt', 'updatedAt', 'createdAt', 'title']) {
    for (const desc of [false, true]) {
      const sort = `${desc ? '-' : ''}${key}`;
      const expected = [...rows]
        .sort((x, y) => {
          const [a, b] = [String(x[key]), String(y[key])];
          const byKey = a < b ? -1 : a > b ? 1 : x.id - y.id;
          return desc ? -byKey : byKey;
        })
        .map((r) => r.id);
      t.same(await walk(t, `/v1/articles?sort=${sort}&limit=2`), expected, `sort=${sort}`);
    }
  }
});

t.test('readers see only published, due, not-deleted articles', async (t) => {
  const { app, w, make, section, get, ids, clock } = await setup(t);
  const live = await make.article(section.id, { publishedAt: hoursFrom(NOW, -1) });
  const draft = await make.article(section.id, { status: 'draft' });
  const archived = await make.article(section.id, { status: 'archived', publishedAt: hoursFrom(NOW, -2) });
  const scheduled = await make.article(section.id, { publishedAt: hoursFrom(NOW, 2) });
  const trashed = await make.article(section.id, { publishedAt: hoursFrom(NOW, -3) });
  await call(app, w({ method: 'DELETE', url: `/v1/articles/${trashed.id}` }));

  t.same(await ids('/v1/articles'), [live.id]);
  t.same(await ids('/v1/articles?status=published'), [live.id]);
  for (const hidden of [draft, archived, scheduled, trashed]) {
    assertProblem(t, await get(`/v1/articles/${hidden.id}`), 404, 'not-found');
    assertProblem(t, await get(`/v1/articles/slug/${hidden.slug}`), 404, 'not-found');
    assertProblem(t, await get(`/v1/articles/${hidden.id}/related-links`), 404, 'not-found');
  }
  t.equal((await get(`/v1/articles/${draft.id}`)).body.detail, `Article ${draft.id} was not found`, 'same answer as for no article');
  const editorsOnly = assertProblem(t, await get('/v1/articles?status=draft'), 403, 'editors-only');
  t.match(editorsOnly.errors, [{ in: 'query', pointer: '/status' }]);
  assertProblem(t, await get('/v1/articles?deleted=true'), 403, 'editors-only');

  clock.advance(2 * 3_600_000);
  t.same(await ids('/v1/articles'), [scheduled.id, live.id], 'a scheduled article appears once due');
  t.equal((await get(`/v1/articles/${scheduled.id}`)).status, 200);
  t.equal((await get(`/v1/articles/slug/${scheduled.slug}`)).status, 200);
});

t.test('editors see drafts, scheduled and archived articles, and the trash on request', async (t) => {
  const { app, w, make, section, walk, clock } = await setup(t);
  const live = await make.article(section.id, { publishedAt: hoursFrom(NOW, -1) });
  const drafts = [await make.article(section.id, { status: 'draft' }), await make.article(section.id, { status: 'draft' })];
  const scheduled = await make.article(section.id, { publishedAt: hoursFrom(NOW, 2) });
  const trashed = await make.article(section.id, { publishedAt: hoursFrom(NOW, -3) });
  await call(app, w({ method: 'DELETE', url: `/v1/articles/${trashed.id}` }));
  const editor = async (url: string) => (await call(app, w({ method: 'GET', url }))).body.data.map((a: Item) => a.id) as number[];

  t.same(await editor('/v1/articles'), [scheduled.id, live.id, drafts[1]!.id, drafts[0]!.id], 'undated drafts last, newest first');
  t.same(await editor('/v1/articles?status=draft'), [drafts[1]!.id, drafts[0]!.id]);
  t.same(await editor('/v1/articles?deleted=true'), [trashed.id]);
  t.equal((await call(app, w({ method: 'GET', url: `/v1/articles/${drafts[0]!.id}` }))).status, 200);
  t.equal((await call(app, w({ method: 'GET', url: `/v1/articles/slug/${scheduled.slug}` }))).status, 200);
  const asEditor = (await call(app, w({ method: 'GET', url: `/v1/articles/${live.id}` }))).body;
  t.type(asEditor.createdBy, 'number', 'editors see which key wrote it');
  t.equal((await call(app, { method: 'GET', url: `/v1/articles/${live.id}` })).body.createdBy, null, 'readers do not');

  for (let i = 0; i < 3; i++) await make.article(section.id, { status: 'draft' });
  clock.advance(1000);
  const all = 7;
  for (const sort of ['publishedAt', '-publishedAt']) {
    const paged: number[] = [];
    let next: string | undefined = `/v1/articles?sort=${sort}&limit=2`;
    while (next) {
      const res = await call(app, w({ method: 'GET', url: next }));
      paged.push(...res.body.data.map((a: Item) => a.id));
      next = res.body.page.nextCursor ? `/v1/articles?sort=${sort}&limit=2&cursor=${res.body.page.nextCursor}` : undefined;
    }
    t.equal(paged.length, all, `sort=${sort}: every article, across undated ones`);
    t.equal(new Set(paged).size, all, `sort=${sort}: no duplicates`);
  }
  const readerCursor = (await call(app, { method: 'GET', url: '/v1/articles?limit=1' })).body.page.nextCursor;
  t.equal(readerCursor, null, 'readers see one article');
  t.same(await walk(t, '/v1/articles?limit=1'), [live.id]);
});
