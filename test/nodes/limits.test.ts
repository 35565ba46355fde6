import t from 'tap';
import { freshDatabase } from '../helpers/postgres.js';
import { testRedis } from '../helpers/redis.js';
import { ADMIN_KEY, startNodes } from '../helpers/nodes.js';

/**
 * Rate limits across nodes: with REDIS_URL every node counts in one Redis, so a reader whose
 * requests a load balancer spreads over two nodes meets its 429 at the same total as on one node;
 * without it each node counts its own (docs/deploy.md).
 */
/** A node's log says a request passed uncounted: Redis did not answer it in time (src/http/redis-store.ts). */
const UNCOUNTED = 'Redis does not answer';
const RUNS = 3;

t.test('with REDIS_URL, a reader spread over two nodes gets its 429 at the limit of the deployment', async (t) => {
  const url = await freshDatabase(t);
  // The claim is about a Redis that answers. On a loaded machine a node may not reach it in time
  // (1 s to connect, 250 ms a command): it then lets requests through uncounted, by design, and
  // logs it. Such a run proves nothing either way, and runs again on fresh nodes and counters; a
  // run without that line is judged, whatever it shows.
  for (let run = 1; ; run++) {
    const { prefix, config } = await testRedis(t);
    const env = { MASTHEAD_ADMIN_KEY: ADMIN_KEY, RATE_LIMIT: 'on', RATE_LIMIT_READER: '10', REDIS_URL: config.url, REDIS_PREFIX: prefix };
    const nodes = await startNodes(t, 2, url, { env });
    const [a, b] = nodes;
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await (i % 2 ? b! : a!).call('/v1/sections')).status);
    const limited = await b!.call('/v1/sections');
    if (run < RUNS && nodes.some((n) => n.log().includes(UNCOUNTED))) {
      t.comment(`run ${run}: a node could not reach Redis in time; running again`);
      await Promise.all(nodes.map((n) => n.stop()));
      continue;
    }
    t.notOk(nodes.some((n) => n.log().includes(UNCOUNTED)), `Redis answered every count (run ${run})`);
    t.same(statuses.slice(0, 10), Array(10).fill(200), 'ten answers, five from each node');
    t.same(statuses.slice(10), [429, 429, 429, 429], 'then 429 from both: they counted together');
    t.ok(Number(limited.headers.get('retry-after')) > 0, 'with Retry-After');
    return;
  }
});

t.test('without REDIS_URL, each node counts its own', async (t) => {
  const url = await freshDatabase(t);
  const [a, b] = await startNodes(t, 2, url, { env: { MASTHEAD_ADMIN_KEY: ADMIN_KEY, RATE_LIMIT: 'on', RATE_LIMIT_READER: '10' } });
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) statuses.push((await (i % 2 ? b! : a!).call('/v1/sections')).status);
  t.same(statuses, Array(20).fill(200), 'twenty answers: ten per node');
  t.equal((await a!.call('/v1/sections')).status, 429, 'the eleventh on one node is refused');
});
