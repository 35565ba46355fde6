// PostgreSQL-specific: a real streaming replica (pg_basebackup) of a primary of the test's own, paused and stopped with SQL and pg_ctl.
import t from 'tap';
import { ADMIN_KEY, startNode, type Node } from '../helpers/nodes.js';
import { startPair, type Pair } from '../helpers/pg-servers.js';

/**
 * DATABASE_REPLICA_URL: anonymous readers' lists, search, feeds and sitemaps are read from a
 * streaming replica while it is at most DATABASE_REPLICA_MAX_LAG_MS behind; keyed callers, reads
 * by id and every write go to the primary. A replica's answers are cached against the replica's
 * own content generation, so an answer read on a replica that was behind is never served once it
 * has caught up. A replica that falls behind or stops answering is left out until it is current.
 */

const MAX_LAG_MS = 2000;
type Json = Record<string, unknown>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let sectionId = 0;
async function publish(node: Node, title: string, slug: string): Promise<number> {
  if (sectionId === 0) {
    const res = await node.call('/v1/sections', { method: 'POST', json: { name: '天津', slug: 'tianjin' } });
    sectionId = ((await res.json()) as Json).id as number;
  }
  const res = await node.call('/v1/articles', { method: 'POST', json: { title, slug, sectionId, status: 'published', body: `<p>${title} 的正文</p>` } });
  const body = (await res.json()) as Json;
  if (res.status !== 201) throw new Error(`POST /v1/articles: ${res.status} ${JSON.stringify(body)}`);
  return body.id as number;
}

/** What an anonymous reader and an editor see of `slug`: in the list, in search, in the RSS feed, in the news sitemap, and by id. */
async function sees(node: Node, slug: string, term: string, key: string | null) {
  const text = async (path: string) => {
    const res = await node.call(path, { key });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.text();
  };
  return {
    list: (await text('/v1/articles?limit=50')).includes(`"slug":"${slug}"`),
    search: (await text(`/v1/search?q=${encodeURIComponent(term)}`)).includes(`"slug":"${slug}"`),
    rss: (await text('/v1/feeds/rss')).includes(slug),
    sitemap: (await text('/sitemaps/news.xml')).includes(slug),
  };
}
const ALL = { list: true, search: true, rss: true, sitemap: true };
const NONE = { list: false, search: false, rss: false, sitemap: false };

const readiness = async (node: Node) => ((await (await node.call('/readyz', { key: null })).json()) as { replica: { serving: boolean; lagMs: number | null; reason: string | null } | null }).replica;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
  return Date.now() - started;
}

const paused = async (pair: Pair) => {
  await pair.onReplica('SELECT pg_wal_replay_pause()');
  await until('replay paused', async () => ((await pair.onReplica('SELECT pg_get_wal_replay_pause_state() AS s')) as { s: string }[])[0]!.s === 'paused');
};

t.test('a read replica answers anonymous readers, the primary everyone else; caches follow the replica’s own generation; a lagging or lost replica is left out', async (t) => {
  const pair = await startPair(t);
  const node = await startNode(t, 'A', pair.primary.url, {
    key: ADMIN_KEY,
    env: { MASTHEAD_ADMIN_KEY: ADMIN_KEY, DATABASE_REPLICA_URL: pair.replica.url, DATABASE_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS) },
  });
  await until('the replica serves', async () => (await readiness(node))?.serving === true);
  t.match(node.log(), /read replica at 127\.0\.0\.1:\d+\/postgres/, 'start-up names the replica (never a password)');

  await publish(node, '天津港 集装箱 第一', 'tianjin-port-1');
  await pair.caughtUp();
  t.same(await sees(node, 'tianjin-port-1', '集装箱', null), ALL, 'a replicated article: anonymous readers find it everywhere');

  await t.test('the replica answers anonymous readers: a write it has not replayed is not there yet, while the editor and reads by id see it', async (t) => {
    await paused(pair);
    const id = await publish(node, '滨海新区 码头 第二', 'binhai-2');
    t.same(await sees(node, 'binhai-2', '码头', null), NONE, 'anonymous: the replica, which has not replayed it');
    t.same(await sees(node, 'binhai-2', '码头', ADMIN_KEY), ALL, 'the editor: the primary');
    t.equal((await node.call(`/v1/articles/${id}`, { key: null })).status, 200, 'an anonymous read by id: the primary');
    // The same stale answers, now kept in the replica side's caches (a second read is a hit).
    t.same(await sees(node, 'binhai-2', '码头', null), NONE);
    await pair.onReplica('SELECT pg_wal_replay_resume()');
    await pair.caughtUp();
    t.ok((await readiness(node))?.serving, 'the replica never fell out (less than the limit behind)');
    t.same(await sees(node, 'binhai-2', '码头', null), ALL, 'once replayed, the cached answers of the replica are not served: it moved its own generation');
  });

  await t.test('further behind than DATABASE_REPLICA_MAX_LAG_MS, readers go to the primary, and come back once it caught up', async (t) => {
    await paused(pair);
    const written = Date.now();
    await publish(node, '东疆 保税港区 第三', 'dongjiang-3');
    t.same(await sees(node, 'dongjiang-3', '保税港区', null), NONE, 'at first the replica, behind by less than the limit');
    await until('anonymous readers see the article', async () => (await sees(node, 'dongjiang-3', '保税港区', null)).list, MAX_LAG_MS + 3000);
    const after = Date.now() - written;
    // The bound is measured from the last position the replica was seen to have replayed, which may
    // be before the write (the primary writes other things too: lastUsedAt), so it can pass the limit sooner.
    t.ok(after <= MAX_LAG_MS + 1500, `left out once it was more than the limit behind (${after} ms after the write)`);
    t.same(await sees(node, 'dongjiang-3', '保税港区', null), ALL, 'the primary answers list, search, feed and sitemap alike');
    const status = await readiness(node);
    t.equal(status?.serving, false);
    t.match(status?.reason, /more than 2000 ms behind the primary/);
    t.ok(status!.lagMs! > MAX_LAG_MS, '/readyz says how far behind');
    t.match(node.log(), /read replica left out: more than 2000 ms behind/, 'the turn is logged');
    t.equal((await node.call('/readyz', { key: null })).status, 200, 'readiness does not depend on the replica');

    await pair.onReplica('SELECT pg_wal_replay_resume()');
    await until('the replica serves again', async () => (await readiness(node))?.serving === true);
    t.match(node.log(), /read replica serves anonymous readers again/);
    await paused(pair);
    await publish(node, '中新生态城 第四', 'eco-city-4');
    t.same(await sees(node, 'eco-city-4', '生态城', null), NONE, 'back on the replica');
    await pair.onReplica('SELECT pg_wal_replay_resume()');
    await pair.caughtUp();
  });

  await t.test('a replica that stops answering is left out at once: anonymous reads go on from the primary, then come back to it', async (t) => {
    pair.replica.stop();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await node.call('/v1/articles?limit=5', { key: null })).status);
    t.ok(statuses.filter((s) => s !== 200).length <= 1, `at most the read in flight fails (${statuses.filter((s) => s !== 200).join(', ') || 'none'})`);
    t.notOk(statuses.includes(500), 'never a 500');
    t.same(statuses.slice(-20), Array(20).fill(200), 'then the primary answers');
    await publish(node, '海河 夜景 第五', 'haihe-5');
    t.same(await sees(node, 'haihe-5', '夜景', null), ALL, 'and its answers are the primary’s');
    const status = await readiness(node);
    t.equal(status?.serving, false);
    t.match(status?.reason, /does not answer/);
    t.equal((await node.call('/readyz', { key: null })).status, 200);

    pair.replica.start();
    await until('the replica serves again', async () => (await readiness(node))?.serving === true, 20_000);
    await paused(pair);
    await publish(node, '五大道 第六', 'wudadao-6');
    t.same(await sees(node, 'wudadao-6', '五大道', null), NONE, 'back on the replica once it caught up');
    await pair.onReplica('SELECT pg_wal_replay_resume()');
  });
});
