import t from 'tap';
import { freshDatabase } from '../helpers/postgres.js';
import { ADMIN_KEY, startNodes, type Node } from '../helpers/nodes.js';

/**
 * The change feed under concurrent commits from every node: a reader paging `since=cursor` on a
 * third node while writers on two others commit in any order sees every event once, in the order
 * a full read gives afterwards. A sequence number taken at insert would skip events whose
 * transaction commits after a later one's; the feed serves only what is below the oldest running
 * transaction (src/store/postgres/feed.ts), so none is skipped.
 */

type Event = { cursor: string; resource: string; id: number; op: string; at: string };
type Page = { data: Event[]; page: { nextCursor: string; hasMore: boolean } };

async function page(node: Node, since: string | undefined, key?: string | null): Promise<Page> {
  const res = await node.call(`/v1/changes?limit=1000${since ? `&since=${encodeURIComponent(since)}` : ''}`, key === undefined ? {} : { key });
  if (res.status !== 200) throw new Error(`GET /v1/changes on ${node.name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Page;
}

async function readAll(node: Node, key?: string | null): Promise<Event[]> {
  const all: Event[] = [];
  let since: string | undefined;
  for (;;) {
    const p = await page(node, since, key);
    all.push(...p.data);
    since = p.page.nextCursor;
    if (!p.page.hasMore) return all;
  }
}

t.test('writers on two nodes, a reader paging on a third: every event once, none skipped, in one order', async (t) => {
  const url = await freshDatabase(t);
  const [a, b, c] = await startNodes(t, 3, url, { env: { MASTHEAD_ADMIN_KEY: ADMIN_KEY, DATABASE_POOL_SIZE: '8' }, key: ADMIN_KEY });
  const section = (await (await a!.call('/v1/sections', { method: 'POST', json: { name: '广州' } })).json()) as { id: number };

  const created: number[] = [];
  let writing = true;
  const writer = async (node: Node, n: number, w: number) => {
    for (let i = 0; i < n; i++) {
      const res = await node.call('/v1/articles', { method: 'POST', json: { sectionId: section.id, title: `${node.name}${w} 第${i}条 快讯`, status: 'draft' } });
      if (res.status !== 201) throw new Error(`create on ${node.name}: ${res.status} ${await res.text()}`);
      const { id } = (await res.json()) as { id: number };
      created.push(id);
      const patched = await node.call(`/v1/articles/${id}`, { method: 'PATCH', json: { summary: `更新 ${i}` } });
      if (patched.status !== 200) throw new Error(`update on ${node.name}: ${patched.status}`);
    }
  };
  const seen: Event[] = [];
  const reader = (async () => {
    let since: string | undefined;
    let polls = 0;
    while (writing || polls < 3) {
      const p = await page(c!, since);
      seen.push(...p.data);
      since = p.page.nextCursor;
      if (!writing && !p.page.hasMore && p.data.length === 0) polls++;
      if (!p.page.hasMore) await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const writers = [a!, b!].flatMap((node) => [0, 1, 2, 3].map((w) => writer(node, 30, w)));
  await Promise.all(writers);
  writing = false;
  await reader;

  const full = await readAll(a!);
  const articles = (events: Event[]) => events.filter((e) => e.resource === 'article');
  t.equal(created.length, 240);
  t.equal(articles(full).length, 480, 'a full read afterwards: one create and one update per article');
  t.equal(new Set(seen.map((e) => e.cursor)).size, seen.length, 'the paging reader got no event twice');
  t.same(
    seen.map((e) => e.cursor),
    full.map((e) => e.cursor),
    'the paging reader, while the writers committed, saw every event the full read holds, in the same order',
  );
  for (const id of created) {
    const ops = articles(seen).filter((e) => e.id === id).map((e) => e.op);
    if (ops.join() !== 'create,update') t.fail(`article ${id}: ${ops.join() || 'no event'}`);
  }
  t.pass('each article: its create, then its update');
});

t.test('scheduled publications that come due appear once, while three nodes read the feed at once', async (t) => {
  const url = await freshDatabase(t);
  const nodes = await startNodes(t, 3, url, { env: { MASTHEAD_ADMIN_KEY: ADMIN_KEY }, key: ADMIN_KEY });
  const [a] = nodes;
  const section = (await (await a!.call('/v1/sections', { method: 'POST', json: { name: '深圳' } })).json()) as { id: number };
  const due = new Date(Date.now() + 2500).toISOString();
  const ids: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await a!.call('/v1/articles', { method: 'POST', json: { sectionId: section.id, title: `定时发布 ${i}`, status: 'published', publishedAt: due } });
    t.equal(res.status, 201);
    ids.push(((await res.json()) as { id: number }).id);
  }
  t.same(articlesOf(await readAll(a!, null)), [], 'an anonymous reader sees nothing before they are due');
  await new Promise((r) => setTimeout(r, Date.parse(due) - Date.now() + 50));
  // Every node reads at once, several times: each one's read writes what has come due, if no other did.
  const reads = await Promise.all(nodes.flatMap((n) => [readAll(n, null), readAll(n, null), readAll(n)]));
  for (const events of reads) t.ok(events.length > 0);
  const anonymous = articlesOf(await readAll(nodes[2]!, null));
  t.same(anonymous.map((e) => e.id).sort(), [...ids].sort(), 'each publication once for a reader');
  t.ok(anonymous.every((e) => e.op === 'create' && e.at === due), 'as entering their view, at its publishedAt');
  const admin = articlesOf(await readAll(nodes[1]!));
  for (const id of ids) t.same(admin.filter((e) => e.id === id).map((e) => e.op), ['create', 'update'], `article ${id}: created, then published once`);
});

const articlesOf = (events: Event[]) => events.filter((e) => e.resource === 'article');
