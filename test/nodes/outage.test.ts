// PostgreSQL-specific: a PostgreSQL server of the test's own, stopped (as a crash or a failover stops it) and started again under a running node.
import t from 'tap';
import { ADMIN_KEY, startNode } from '../helpers/nodes.js';
import { startServer } from '../helpers/pg-servers.js';

/**
 * PostgreSQL lost while a node runs: liveness stays up, readiness and every request that needs the
 * database answer 503 problem+json with Retry-After (never a 500, never a crash, the webhook worker
 * included), and when the server is back the node serves again without a restart.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('PostgreSQL stops under a running node and comes back: 503s with Retry-After meanwhile, then service without a restart', async (t) => {
  const server = await startServer(t);
  const node = await startNode(t, 'A', server.url, { key: ADMIN_KEY, env: { MASTHEAD_ADMIN_KEY: ADMIN_KEY, WEBHOOKS_WORKER: 'on', WEBHOOK_POLL_MS: '100' } });
  const section = (await (await node.call('/v1/sections', { method: 'POST', json: { name: '天津', slug: 'tianjin' } })).json()) as { id: number };
  const created = await node.call('/v1/articles', { method: 'POST', json: { title: '停机 之前', slug: 'before', sectionId: section.id, status: 'published' } });
  t.equal(created.status, 201);
  const { id } = (await created.json()) as { id: number };

  server.stop();
  const probes = [
    () => node.call('/readyz', { key: null }),
    () => node.call(`/v1/articles/${id}`, { key: null }),
    () => node.call('/v1/articles?limit=5'),
    () => node.call('/v1/search?q=停机', { key: null }),
    () => node.call('/v1/changes'),
    () => node.call('/v1/articles', { method: 'POST', json: { title: '停机 之中', slug: 'during', sectionId: section.id } }),
  ];
  for (let round = 0; round < 3; round++) {
    for (const [i, probe] of probes.entries()) {
      const res = await probe();
      t.equal(res.status, 503, `round ${round}, probe ${i}: 503`);
      t.match(res.headers.get('content-type'), /^application\/problem\+json/);
      t.ok(Number(res.headers.get('retry-after')) > 0, 'with Retry-After');
      t.equal(((await res.json()) as { code: string }).code, 'database-unavailable');
    }
    t.equal((await node.call('/healthz', { key: null })).status, 200, 'liveness does not depend on the database');
    await sleep(300);
  }
  t.equal(node.child.exitCode, null, 'the node is still running (the webhook worker polled meanwhile)');

  server.start();
  const back = Date.now();
  while ((await node.call('/readyz', { key: null })).status !== 200) {
    if (Date.now() - back > 15_000) throw new Error(`not ready 15 s after the server came back:\n${node.log()}`);
    await sleep(50);
  }
  t.equal((await node.call(`/v1/articles/${id}`, { key: null })).status, 200, 'reads again');
  const after = await node.call('/v1/articles', { method: 'POST', json: { title: '停机 之后', slug: 'after', sectionId: section.id, status: 'published' } });
  t.equal(after.status, 201, 'writes again');
  t.equal(((await (await node.call('/v1/articles?limit=5', { key: null })).json()) as { data: unknown[] }).data.length, 2, 'nothing written during the outage, both others there');
  t.equal(node.child.exitCode, null, 'no restart');
  t.notMatch(node.log(), /"level":60|uncaught|unhandled/i, 'nothing fatal logged (the 503s are logged as errors, for the operator)');
});
