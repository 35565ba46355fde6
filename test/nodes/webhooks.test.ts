// PostgreSQL-specific: reads which worker holds the endpoint's lease (webhooks.lease_owner) to kill the node delivering.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { freshDatabase } from '../helpers/postgres.js';
import { ADMIN_KEY, startNode, type Node } from '../helpers/nodes.js';

/**
 * Webhooks with a delivery worker on every node: each node leases whole endpoints (SKIP LOCKED on
 * the endpoint's row) and sends their events in order, so every event reaches every endpoint once,
 * in order per endpoint. A node killed mid-delivery holds its endpoints until its lease runs out
 * (WEBHOOK_LEASE_MS); then another node sends what was not confirmed, with the same webhook-id.
 */

type Received = { endpoint: string; webhookId: string; id: number; type: string; answered: boolean };

/**
 * A receiver on loopback with one path per endpoint; answers 200 after `delayMs`. `hold()` keeps
 * every answer not sent yet until `release()`: a call is then surely in flight when a test kills
 * the node making it, however slow the machine.
 */
async function receiver(t: Test, delayMs: number) {
  const got: Received[] = [];
  let onRequest: (() => void) | null = null;
  let held: (() => void)[] | null = null;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const event = JSON.parse(body) as { type: string; data: { id: number } };
      const received: Received = { endpoint: req.url!, webhookId: String(req.headers['webhook-id']), id: event.data.id, type: event.type, answered: false };
      got.push(received);
      onRequest?.();
      const answer = () => {
        received.answered = true;
        res.writeHead(200).end('ok');
      };
      setTimeout(() => (held ? held.push(answer) : answer()), delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  server.unref();
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    got,
    onEach: (f: () => void) => (onRequest = f),
    hold: () => void (held ??= []),
    release: () => {
      const answers = held ?? [];
      held = null;
      for (const answer of answers) answer();
    },
  };
}

const WORKER_ENV = {
  MASTHEAD_ADMIN_KEY: ADMIN_KEY,
  WEBHOOKS_WORKER: 'on',
  WEBHOOK_ALLOW_PRIVATE: 'on',
  WEBHOOK_POLL_MS: '100',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_LEASE_MS: '4000',
};

async function setUp(t: Test, endpoints: number, delayMs: number, env: Record<string, string> = {}) {
  const url = await freshDatabase(t);
  const nodes = await Promise.all(['A', 'B', 'C'].map((name) => startNode(t, name, url, { env: { ...WORKER_ENV, ...env }, key: ADMIN_KEY })));
  const rx = await receiver(t, delayMs);
  const paths: string[] = [];
  for (let i = 0; i < endpoints; i++) {
    const res = await nodes[i % 3]!.call('/v1/webhooks', { method: 'POST', json: { url: `${rx.base}/hook-${i}`, events: ['article.created'] } });
    t.equal(res.status, 201, `endpoint ${i} registered`);
    paths.push(`/hook-${i}`);
  }
  const section = (await (await nodes[0]!.call('/v1/sections', { method: 'POST', json: { name: '重庆' } })).json()) as { id: number };
  return { nodes, rx, paths, section: section.id, url };
}

/** Creates `n` articles, spread over the nodes; their ids in the order they were created. */
async function createArticles(nodes: Node[], section: number, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await nodes[i % nodes.length]!.call('/v1/articles', { method: 'POST', json: { sectionId: section, title: `推送 ${i}`, status: 'draft' } });
    if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
    ids.push(((await res.json()) as { id: number }).id);
  }
  return ids;
}

async function until(what: string, done: () => boolean, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Per endpoint: the article ids in the order they arrived, and the webhook-id of each. */
function byEndpoint(got: Received[]) {
  const out = new Map<string, { ids: number[]; webhookIds: Map<number, Set<string>> }>();
  for (const r of got) {
    const e = out.get(r.endpoint) ?? { ids: [] as number[], webhookIds: new Map<number, Set<string>>() };
    e.ids.push(r.id);
    e.webhookIds.set(r.id, (e.webhookIds.get(r.id) ?? new Set()).add(r.webhookId));
    out.set(r.endpoint, e);
  }
  return out;
}

t.test('three nodes, each with its worker: every event reaches every endpoint once, in order per endpoint', async (t) => {
  const { nodes, rx, paths, section } = await setUp(t, 6, 2);
  const ids = await createArticles(nodes, section, 60);
  await until('every delivery', () => rx.got.length >= ids.length * paths.length, 60_000);
  await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show
  const got = byEndpoint(rx.got);
  t.equal(rx.got.length, ids.length * paths.length, 'no event sent twice');
  for (const path of paths) t.same(got.get(path)?.ids, ids, `${path}: each event once, in the order of the writes`);
});

t.test('the node delivering is killed with SIGKILL mid-call: every event still arrives, the one in flight again with the same webhook-id, order kept', async (t) => {
  // Slow answers keep deliveries in flight; the node whose worker holds the endpoint's lease is killed.
  const { nodes, rx, paths, section, url } = await setUp(t, 1, 100);
  const ids = await createArticles(nodes, section, 20);
  await until('deliveries in flight', () => rx.got.length >= 5, 30_000);
  // Answers held from here: the call in flight stays in flight, and its worker keeps the endpoint's lease.
  rx.hold();
  await until('a call in flight', () => rx.got.some((r) => !r.answered), 30_000);
  const inFlight = rx.got.find((r) => !r.answered)!;
  const { owner } = await leaseOf(url);
  const victim = nodes.find((n) => n.lines().some((l) => l.msg === 'webhooks worker started' && l.owner === owner));
  t.ok(victim, `the lease (${owner}) belongs to one node's worker`);
  t.equal(await victim!.stop('SIGKILL'), null, `node ${victim!.name} died by the signal, its call unanswered`);
  rx.release();
  const killedAt = Date.now();
  const survivors = nodes.filter((n) => n !== victim);
  await until('every event', () => new Set(rx.got.map((r) => r.id)).size === ids.length, 60_000);
  const waited = Date.now() - killedAt;
  t.ok(waited >= 2000, `another node took the endpoint only once the lease ran out (${waited} ms)`);
  const [path] = paths;
  const e = byEndpoint(rx.got).get(path!)!;
  t.same(e.ids.filter((id, i) => e.ids.indexOf(id) === i), ids, 'every event arrived, first sent in the order of the writes');
  const again = e.ids.filter((id) => id === inFlight.id).length;
  t.ok(again >= 2, `the event whose call was cut off was sent again (${again} times)`);
  t.same([...e.webhookIds.get(inFlight.id)!], [inFlight.webhookId], 'with the same webhook-id');
  t.ok(e.ids.length - ids.length <= 2, `only what was unconfirmed was sent again (${e.ids.length - ids.length} extra)`);
  const newOwner = (await leaseOf(url)).owner;
  t.not(newOwner, owner, 'the lease moved to a live worker (or was released)');
  for (const node of survivors) t.equal((await node.call('/readyz')).status, 200, `node ${node.name} still serves`);
  const hook = ((await (await survivors[0]!.call('/v1/webhooks')).json()) as { data: { id: number }[] }).data[0]!;
  const deadline = Date.now() + 10_000;
  let pending: unknown[] = [];
  do {
    pending = ((await (await survivors[1]!.call(`/v1/webhooks/${hook.id}/deliveries?status=pending`)).json()) as { data: unknown[] }).data;
    if (pending.length) await new Promise((r) => setTimeout(r, 100));
  } while (pending.length && Date.now() < deadline);
  t.equal(pending.length, 0, 'the delivery log: nothing left pending');
});

t.test('the node delivering is stopped with SIGTERM: it finishes its call, releases the endpoint, and another node goes on at once, sending nothing twice', async (t) => {
  const { nodes, rx, section, url } = await setUp(t, 1, 100, { WEBHOOK_LEASE_MS: '30000' });
  const ids = await createArticles(nodes, section, 40);
  await until('deliveries in flight', () => rx.got.length >= 5, 30_000);
  const { owner } = await leaseOf(url);
  const victim = nodes.find((n) => n.lines().some((l) => l.msg === 'webhooks worker started' && l.owner === owner))!;
  const stoppedAt = Date.now();
  t.equal(await victim.stop('SIGTERM'), 0, `node ${victim.name} stopped gracefully`);
  await until('every event', () => new Set(rx.got.map((r) => r.id)).size === ids.length, 60_000);
  t.ok(Date.now() - stoppedAt < 15_000, `another node went on long before the 30 s lease ran out (${Date.now() - stoppedAt} ms)`);
  await new Promise((r) => setTimeout(r, 300));
  t.same(rx.got.map((r) => r.id), ids, 'each event once, in order');
});

t.test('a scheduled article coming due while three nodes’ workers poll: article.published sent once', async (t) => {
  const url = await freshDatabase(t);
  const nodes = await Promise.all(['A', 'B', 'C'].map((name) => startNode(t, name, url, { env: WORKER_ENV, key: ADMIN_KEY })));
  const rx = await receiver(t, 2);
  t.equal((await nodes[0]!.call('/v1/webhooks', { method: 'POST', json: { url: `${rx.base}/published`, events: ['article.published'] } })).status, 201);
  const section = (await (await nodes[1]!.call('/v1/sections', { method: 'POST', json: { name: '武汉' } })).json()) as { id: number };
  const due = new Date(Date.now() + 2000).toISOString();
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await nodes[i % 3]!.call('/v1/articles', { method: 'POST', json: { sectionId: section.id, title: `定时 ${i}`, status: 'published', publishedAt: due } });
    ids.push(((await res.json()) as { id: number }).id);
  }
  t.equal(rx.got.length, 0, 'nothing published before it is due');
  await until('every publication', () => new Set(rx.got.map((r) => r.id)).size === ids.length, 30_000);
  await new Promise((r) => setTimeout(r, 1500)); // several more polls of every node
  t.same(rx.got.map((r) => r.id).sort(), [...ids].sort(), 'each article.published once, not once per node');
  t.ok(rx.got.every((r) => r.type === 'article.published'));
});

/** The lease of the one endpoint, read from the database. */
async function leaseOf(url: string): Promise<{ owner: string | null }> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return { owner: (await client.query<{ owner: string | null }>('SELECT lease_owner AS owner FROM webhooks')).rows[0]!.owner };
  } finally {
    await client.end();
  }
}
