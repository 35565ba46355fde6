import t from 'tap';
import { freshDatabase } from '../helpers/postgres.js';
import { ADMIN_KEY, startNodes, type Node } from '../helpers/nodes.js';

/**
 * Two API nodes on one PostgreSQL, each with its own exact answer caches: right after a write
 * answered by one node, the other answers the new state, even with its caches warm (each answer
 * is validated against the content generation kept in the database). And the optimistic
 * concurrency of If-Match and the unique slugs hold between nodes, not only inside one process.
 */

type Json = Record<string, unknown>;
const json = async (res: Response) => ({ status: res.status, headers: res.headers, body: (await res.json()) as Json });

async function create(node: Node, path: string, body: Json): Promise<Json> {
  const res = await json(await node.call(path, { method: 'POST', json: body }));
  if (res.status !== 201) throw new Error(`POST ${path} on ${node.name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Every public read the issue names, as text, from one node: anonymous, as a news site reads. */
async function publicReads(node: Node, id: number, slug: string, term: string) {
  const get = async (path: string) => {
    const res = await node.call(path, { key: null });
    return { status: res.status, etag: res.headers.get('etag'), text: await res.text() };
  };
  return {
    byId: await get(`/v1/articles/${id}`),
    bySlug: await get(`/v1/articles/slug/${encodeURIComponent(slug)}`),
    list: await get('/v1/articles?limit=20'),
    search: await get(`/v1/search?q=${encodeURIComponent(term)}`),
    rss: await get('/v1/feeds/rss'),
    jsonFeed: await get('/v1/feeds/json'),
    ninjs: await get(`/v1/articles/${id}/ninjs`),
    news: await get('/sitemaps/news.xml'),
  };
}

t.test('a write answered by node A is what node B answers next, by id, slug, list, search, feeds, ninjs and sitemap, with B’s caches warm', async (t) => {
  const url = await freshDatabase(t);
  const [a, b] = await startNodes(t, 2, url, { env: { MASTHEAD_ADMIN_KEY: ADMIN_KEY }, key: ADMIN_KEY });
  const section = await create(a!, '/v1/sections', { name: '天津', slug: 'tianjin' });
  const article = await create(a!, '/v1/articles', { title: '滨海新区 港口 第0版', slug: 'binhai-0', sectionId: section.id, status: 'published', body: '<p>港口 吞吐量 创新高</p>' });
  const id = article.id as number;
  let version = article.version as number;

  for (let round = 1; round <= 12; round++) {
    // Alternate the writer: A writes and B reads, then B writes and A reads.
    const [writer, reader] = round % 2 === 1 ? [a!, b!] : [b!, a!];
    const before = await publicReads(reader, id, `binhai-${round - 1}`, `第${round - 1}版`);
    const again = await publicReads(reader, id, `binhai-${round - 1}`, `第${round - 1}版`);
    t.equal(again.byId.text, before.byId.text, `round ${round}: ${reader.name}'s answers are warm`);
    const cached = await reader.call(`/v1/articles/${id}`, { key: null, headers: { 'if-none-match': before.byId.etag! } });
    t.equal(cached.status, 304, `round ${round}: ${reader.name} answers 304 for the version it has`);

    const title = `滨海新区 港口 第${round}版`;
    const patched = await writer.call(`/v1/articles/${id}`, { method: 'PATCH', headers: { 'if-match': `"${version}"` }, json: { title, slug: `binhai-${round}` } });
    t.equal(patched.status, 200, `round ${round}: ${writer.name} wrote version ${version + 1}`);
    version = ((await patched.json()) as Json).version as number;

    const after = await publicReads(reader, id, `binhai-${round}`, `第${round}版`);
    const status = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v.status]));
    t.same(status, { byId: 200, bySlug: 200, list: 200, search: 200, rss: 200, jsonFeed: 200, ninjs: 200, news: 200 }, `round ${round}: every read answers`);
    t.equal(JSON.parse(after.byId.text).title, title, `round ${round}: by id, the new title`);
    t.equal(after.byId.etag, `"${version}"`, `round ${round}: and the new ETag`);
    t.equal(JSON.parse(after.bySlug.text).id, id, `round ${round}: the new slug finds it`);
    t.equal(JSON.parse(after.list.text).data[0].title, title, `round ${round}: the list`);
    t.same(
      JSON.parse(after.search.text).data.map((h: Json) => h.id),
      [id],
      `round ${round}: search finds it by the new title's words`,
    );
    for (const feed of ['rss', 'jsonFeed', 'ninjs'] as const) t.ok(after[feed].text.includes(title), `round ${round}: ${feed} has the new title`);
    t.ok(after.news.text.includes(`binhai-${round}`), `round ${round}: the news sitemap has the new slug`);
    const stale = await reader.call(`/v1/articles/${id}`, { key: null, headers: { 'if-none-match': before.byId.etag! } });
    t.equal(stale.status, 200, `round ${round}: the old ETag is no longer current on ${reader.name}`);
    const old = await reader.call(`/v1/articles/slug/binhai-${round - 1}`, { key: null, redirect: 'manual' });
    t.equal(old.status, 308, `round ${round}: the old slug redirects on ${reader.name}`);
  }

  const gone = await a!.call(`/v1/articles/${id}`, { method: 'DELETE' });
  t.equal(gone.status, 204);
  t.equal((await b!.call(`/v1/articles/${id}`, { key: null })).status, 404, 'trashed on A: not found on B at once');
  t.equal(JSON.parse(await (await b!.call('/v1/feeds/json', { key: null })).text()).items.length, 0, 'and gone from B’s feed');
});

t.test('two nodes updating one article with the same If-Match at the same moment: one 200, one 412, no update lost', async (t) => {
  const url = await freshDatabase(t);
  const [a, b] = await startNodes(t, 2, url, { env: { MASTHEAD_ADMIN_KEY: ADMIN_KEY }, key: ADMIN_KEY });
  const section = await create(a!, '/v1/sections', { name: '北京' });
  const article = await create(a!, '/v1/articles', { title: '起点', sectionId: section.id });
  const id = article.id as number;
  let version = article.version as number;
  const winners: string[] = [];
  for (let round = 0; round < 25; round++) {
    const attempt = (node: Node) =>
      node.call(`/v1/articles/${id}`, { method: 'PATCH', headers: { 'if-match': `"${version}"` }, json: { title: `${node.name} 第${round}次` } }).then(json);
    const [ra, rb] = await Promise.all([attempt(a!), attempt(b!)]);
    t.same([ra.status, rb.status].sort(), [200, 412], `round ${round}: one 200 and one 412`);
    const loser = ra.status === 412 ? ra : rb;
    t.match(loser.headers.get('content-type'), /^application\/problem\+json/, 'the 412 is a problem');
    const winner = ra.status === 200 ? 'A' : 'B';
    winners.push(winner);
    const now = (await json(await b!.call(`/v1/articles/${id}`))).body;
    t.equal(now.title, `${winner} 第${round}次`, `round ${round}: the winner's title stands`);
    t.equal(now.version, version + 1, `round ${round}: one version more`);
    version = now.version as number;
  }
  const revisions = (await json(await a!.call(`/v1/articles/${id}/revisions?limit=100`))).body.data as Json[];
  t.equal(revisions.length, 26, 'one revision per successful write, the first included');
  t.same(
    revisions.map((r) => r.revision ?? r.version),
    [...revisions.map((r) => r.revision ?? r.version)].sort((x, y) => (y as number) - (x as number)),
    'revisions in one strict order',
  );
  t.comment(`winners: ${winners.join('')}`);
});

t.test('two nodes taking one slug, or one externalId, at the same moment: one 201, one 409', async (t) => {
  const url = await freshDatabase(t);
  const [a, b] = await startNodes(t, 2, url, { env: { MASTHEAD_ADMIN_KEY: ADMIN_KEY }, key: ADMIN_KEY });
  const section = await create(a!, '/v1/sections', { name: '上海' });
  for (let round = 0; round < 15; round++) {
    const post = (node: Node, body: Json) => node.call('/v1/articles', { method: 'POST', json: { sectionId: section.id, title: `${node.name} ${round}`, ...body } }).then(json);
    const bySlug = await Promise.all([post(a!, { slug: `shanghai-${round}` }), post(b!, { slug: `shanghai-${round}` })]);
    t.same(bySlug.map((r) => r.status).sort(), [201, 409], `round ${round}: one slug, one 201 and one 409`);
    t.equal(bySlug.find((r) => r.status === 409)!.body.code, 'slug-taken');
    const byExternal = await Promise.all([post(a!, { externalId: `wire-${round}` }), post(b!, { externalId: `wire-${round}` })]);
    t.same(byExternal.map((r) => r.status).sort(), [201, 409], `round ${round}: one externalId, one 201 and one 409`);
    t.equal(byExternal.find((r) => r.status === 409)!.body.code, 'external-id-taken');
  }
  const all = (await json(await b!.call('/v1/articles?limit=100'))).body.data as Json[];
  t.equal(all.length, 30, 'one article per slug and per externalId');
});
