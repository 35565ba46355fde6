import t from 'tap';
import { freshDatabase } from '../helpers/postgres.js';
import { ADMIN_KEY, startNodes, type Node } from '../helpers/nodes.js';

/**
 * A rolling deploy stops one node with SIGTERM while it serves: the requests it had accepted are
 * answered, none with a 5xx (a request that arrives on a kept-alive connection while it drains is
 * the 503 `shutting-down`, with Retry-After, and the connection closed); what it wrote is there on the other node; the other node serves on
 * without an error. A client only ever sees the stopped node refuse or close a connection (what a
 * load balancer retries elsewhere), never a half-done write.
 */

type Outcome = { node: string; status?: number; code?: string; retryAfter?: string | null; problem?: boolean; error?: string; created?: number; afterSignal: boolean };

t.test('SIGTERM to one node under reads and writes: it answers what it accepted and exits 0; the other serves on', async (t) => {
  const url = await freshDatabase(t);
  const [a, b] = await startNodes(t, 2, url, { env: { MASTHEAD_ADMIN_KEY: ADMIN_KEY }, key: ADMIN_KEY });
  const section = (await (await a!.call('/v1/sections', { method: 'POST', json: { name: '杭州' } })).json()) as { id: number };
  let signalled = false;
  let running = true;
  const outcomes: Outcome[] = [];
  const loop = async (node: Node, write: boolean, n: number) => {
    for (let i = 0; running; i++) {
      const afterSignal = signalled;
      try {
        const res = write
          ? await node.call('/v1/articles', { method: 'POST', json: { sectionId: section.id, title: `${node.name}${n} 第${i}条`, status: 'published' } })
          : await node.call('/v1/articles?limit=20', { key: null });
        const body = (await res.json()) as { id?: number; code?: string };
        const problem = (res.headers.get('content-type') ?? '').startsWith('application/problem+json');
        outcomes.push({ node: node.name, status: res.status, afterSignal, ...(write && res.status === 201 ? { created: body.id } : {}), ...(res.status >= 400 ? { code: body.code, retryAfter: res.headers.get('retry-after'), problem } : {}) });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        outcomes.push({ node: node.name, error: cause?.code ?? String(error), afterSignal });
        if (node === a) await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const loops = [a!, b!].flatMap((node) => [loop(node, true, 0), loop(node, true, 1), loop(node, false, 2), loop(node, false, 3)]);
  await new Promise((r) => setTimeout(r, 1500));
  signalled = true;
  const exit = await a!.stop('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  running = false;
  await Promise.all(loops);

  t.equal(exit, 0, 'the stopped node exited 0 (graceful)');
  t.match(a!.log(), /shutting down/);
  const drained = outcomes.filter((o) => o.status === 503);
  t.same(outcomes.filter((o) => (o.status ?? 0) >= 500 && !(o.node === 'A' && o.afterSignal && o.code === 'shutting-down')), [], 'no 5xx from either node, but the stopped node’s shutting-down');
  t.ok(drained.every((o) => o.retryAfter === '1' && o.problem), `a request that arrived while node A drained: 503 problem+json with Retry-After (${drained.length})`);
  t.same(outcomes.filter((o) => o.node === 'B' && o.status === undefined), [], 'the other node had no error at all');
  const bAfter = outcomes.filter((o) => o.node === 'B' && o.afterSignal && o.status !== undefined);
  t.ok(bAfter.length > 20, `the other node served on (${bAfter.length} answers after the signal)`);
  const refused = outcomes.filter((o) => o.error);
  t.ok(
    refused.every((o) => o.afterSignal && /ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET|UND_ERR_CLOSED/.test(o.error!)),
    `the stopped node only refused or closed connections, after the signal (${[...new Set(refused.map((o) => o.error))].join(', ') || 'none'})`,
  );
  t.ok(outcomes.filter((o) => o.node === 'A' && o.status !== undefined).length > 10, 'node A answered before it stopped');
  const created = outcomes.flatMap((o) => (o.created ? [o.created] : []));
  const all = new Set<number>();
  for (let cursor: string | null = null; ; ) {
    const res = await b!.call(`/v1/articles?limit=100&fields=id${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const page = (await res.json()) as { data: { id: number }[]; page: { nextCursor: string | null } };
    for (const row of page.data) all.add(row.id);
    if (!page.page.nextCursor) break;
    cursor = page.page.nextCursor;
  }
  t.same(created.filter((id) => !all.has(id)), [], `each of the ${created.length} articles answered 201 by either node is there`);
  t.equal(all.size, created.length, 'and no article was written without its answer');
});
