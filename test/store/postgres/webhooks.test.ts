// PostgreSQL-specific: workers leasing at once on separate connections (FOR UPDATE SKIP LOCKED), each lease its own transaction.
import t from 'tap';
import type { DeliveryQueueRepo, LeasedEndpoint, WebhookRepo } from '../../../src/store/port.js';
import { createOutboxRepo } from '../../../src/store/postgres/effects.js';
import { createDeliveryQueueRepo, createDeliveryRepo, createWebhookRepo } from '../../../src/store/postgres/webhooks.js';
import { inTransaction, pgPool, sqliteStore, T0 } from './fixtures.js';

const LIMITS = { endpoints: 10, batch: 3 };

t.test('endpoints, the delivery log and the queue give what SQLite gives', async (t) => {
  const pool = await pgPool(t);
  const lite = sqliteStore(t);
  const pg = { hooks: createWebhookRepo(pool), deliveries: createDeliveryRepo(pool), queue: createDeliveryQueueRepo(pool), outbox: createOutboxRepo(pool) };
  type Repos = typeof pg;
  const both = async <T>(work: (r: Repos) => Promise<T>, message: string): Promise<T> => {
    const p = await work(pg);
    const l = await lite.write((tx) => work({ hooks: tx.webhooks, deliveries: tx.deliveries, queue: tx.deliveryQueue, outbox: tx.outbox }));
    t.same(p, l, message);
    return p;
  };
  const a = await both((r) => r.hooks.insert({ url: 'https://a.example/h', events: ['*'], secret: 'whsec_a', createdAt: T0 }), 'insert');
  t.same(a, { id: 1, url: 'https://a.example/h', events: ['*'], secret: 'whsec_a', active: true, failureCount: 0, disabledReason: null, createdAt: T0, updatedAt: T0 });
  await both((r) => r.hooks.insert({ url: 'https://b.example/h', events: ['article.published'], secret: 'whsec_b', createdAt: T0 + 1 }), 'insert another');
  await both((r) => r.hooks.insert({ url: 'https://c.example/h', events: [], secret: 'whsec_c', createdAt: T0 + 2 }), 'and a third');
  await both((r) => r.hooks.update(2, { events: ['article.updated', 'section.created'], disabledReason: 'x', updatedAt: T0 + 5 }), 'update');
  await both((r) => r.hooks.update(2, { active: false, failureCount: 3, updatedAt: T0 + 6 }), 'update keeps what is not given');
  await both((r) => r.hooks.update(2, { disabledReason: null, url: 'https://b2.example/h', updatedAt: T0 + 7 }), 'a reason set back to null');
  t.equal(await both((r) => r.hooks.update(99, { active: true, updatedAt: T0 }), 'update of none'), undefined);
  await both((r) => r.hooks.page(undefined, 2), 'first page');
  await both((r) => r.hooks.page({ value: 1, id: 1 }, 10), 'after 1');
  await both((r) => r.hooks.byId(3), 'byId');
  const queued = [1, 3, 1, 1, 3].map((webhookId, i) => ({ webhookId, eventId: `msg_${i}`, eventType: 'article.updated', payload: `{"i":${i}}`, at: T0 + 10 * i }));
  await both((r) => r.outbox.enqueue(queued), 'enqueue');
  await both((r) => r.deliveries.page(1, {}, undefined, 10), 'log, newest first');
  await both((r) => r.deliveries.page(1, { status: 'pending' }, { value: 4, id: 4 }, 10), 'log before 4, pending');
  await both((r) => r.deliveries.byId(1, 2), 'a delivery of another endpoint is none');

  const leased = await both((r) => r.queue.lease('w1', T0 + 20, T0 + 1000, LIMITS), 'lease: what is due by now');
  t.same(leased.map((e) => [e.webhookId, e.jobs.map((j) => j.id)]), [[1, [1, 3, 4]], [3, [2, 5]]], 'endpoints due by their oldest pending delivery, each with its batch in id order');
  t.same(await both((r) => r.queue.lease('w2', T0 + 30, T0 + 1000, LIMITS), 'leased endpoints are not leased again'), []);
  t.equal(await both((r) => r.queue.renew(1, 'w2', T0 + 2000), 'renew by a non-holder'), false);
  t.equal(await both((r) => r.queue.renew(1, 'w1', T0 + 2000), 'renew by the holder'), true);
  await both((r) => r.queue.retry(1, { status: 500, error: 'HTTP 500', at: T0 + 40 }, T0 + 5000), 'retry');
  await both((r) => r.queue.succeeded(2, { status: 204, error: null, at: T0 + 41 }), 'succeeded');
  t.equal(await both((r) => r.queue.failed(5, { status: null, error: 'timeout', at: T0 + 42 }), 'failed'), 1);
  t.equal(await both((r) => r.queue.failed(99, { status: null, error: 'timeout', at: T0 + 42 }), 'failed: no such delivery'), 0);
  await both((r) => r.queue.release(1, 'w2'), 'release by a non-holder does nothing');
  t.same(await both((r) => r.queue.lease('w2', T0 + 100, T0 + 1000, LIMITS), 'still held'), []);
  await both((r) => r.queue.release(1, 'w1'), 'release');
  await both((r) => r.queue.release(3, 'w1'), 'release');
  t.same(await both((r) => r.queue.lease('w2', T0 + 100, T0 + 1000, LIMITS), 'the oldest pending waits for its retry and holds back the rest'), []);
  const later = await both((r) => r.queue.lease('w2', T0 + 5000, T0 + 9000, LIMITS), 'once the retry is due');
  t.same(later.map((e) => [e.webhookId, e.jobs.map((j) => [j.id, j.attempts])]), [[1, [[1, 1], [3, 0], [4, 0]]]]);
  await both((r) => r.deliveries.redeliver(3, 5, T0 + 6000), 'redeliver');
  t.equal(await both((r) => r.deliveries.redeliver(1, 5, T0 + 6000), 'redeliver through another endpoint'), undefined);
  await both((r) => r.deliveries.page(3, {}, undefined, 10), 'the log after all that');
  await both((r) => r.queue.disable(1, 'too many failures', T0 + 7000), 'disable');
  await both((r) => r.hooks.byId(1), 'disabled');
  t.same(await both((r) => r.queue.lease('w3', T0 + 10_000, T0 + 20_000, LIMITS), 'inactive endpoints are not leased'), [
    { webhookId: 3, url: 'https://c.example/h', secret: 'whsec_c', jobs: [{ id: 6, eventId: 'msg_4', payload: '{"i":4}', attempts: 0, nextAttemptAt: T0 + 6000 }] },
  ]);
  t.equal(await pg.queue.recover(), 0, 'PostgreSQL releases nothing at start-up');
  t.equal(await both((r) => r.hooks.delete(3), 'delete'), true);
  t.equal(await both((r) => r.hooks.delete(3), 'delete again'), false);
  t.same(await both((r) => r.deliveries.page(3, {}, undefined, 10), 'the log went with it'), []);
});

async function seedEndpoints(hooks: WebhookRepo, pool: Awaited<ReturnType<typeof pgPool>>, count: number, perEndpoint: number): Promise<void> {
  for (let i = 0; i < count; i++) await hooks.insert({ url: `https://${i}.example/h`, events: ['*'], secret: `s${i}`, createdAt: T0 });
  const deliveries = [];
  for (let k = 0; k < perEndpoint; k++) for (let i = 1; i <= count; i++) deliveries.push({ webhookId: i, eventId: `e${i}_${k}`, eventType: 'article.updated', payload: `${k}`, at: T0 + i });
  await createOutboxRepo(pool).enqueue(deliveries);
}

const leaseIn = (pool: Awaited<ReturnType<typeof pgPool>>, work: (queue: DeliveryQueueRepo) => Promise<LeasedEndpoint[]>) =>
  inTransaction(pool, async (client) => {
    const leased = await work(createDeliveryQueueRepo(client));
    // Hold the transaction a moment, so that the others' leases overlap it.
    await client.query('SELECT pg_sleep(0.05)');
    return leased;
  });

t.test('three workers leasing at once get disjoint endpoints, the most overdue first', async (t) => {
  const pool = await pgPool(t, 6);
  await seedEndpoints(createWebhookRepo(pool), pool, 12, 4);
  const results = await Promise.all(['w1', 'w2', 'w3'].map((owner) => leaseIn(pool, (q) => q.lease(owner, T0 + 100, T0 + 10_000, { endpoints: 5, batch: 2 }))));
  const ids = results.flatMap((r) => r.map((e) => e.webhookId));
  t.equal(new Set(ids).size, ids.length, 'no endpoint leased twice');
  t.equal(ids.length, 12, 'every due endpoint leased by someone');
  for (const leased of results) {
    t.same(leased.map((e) => e.webhookId), [...leased.map((e) => e.webhookId)].sort((a, b) => a - b), 'most overdue first (their first delivery is older)');
    for (const e of leased) t.same(e.jobs.map((j) => j.eventId), [`e${e.webhookId}_0`, `e${e.webhookId}_1`], 'in event order');
  }
  const owners = await pool.query('SELECT id, lease_owner FROM webhooks ORDER BY id');
  for (const [i, leased] of results.entries()) {
    for (const e of leased) t.equal(owners.rows.find((r) => r.id === e.webhookId)!.lease_owner, `w${i + 1}`, 'the lease columns name the owner');
  }

  // Many rounds, with deliveries finished in between: disjoint every time, and every endpoint's events go out in order.
  const sent = new Map<number, string[]>();
  for (let round = 0; round < 6; round++) {
    const at = T0 + 20_000 * (round + 1);
    const leases = await Promise.all(['w1', 'w2', 'w3'].map((owner) => leaseIn(pool, (q) => q.lease(owner, at, at + 10_000, { endpoints: 3, batch: 1 }))));
    const flat = leases.flat();
    t.equal(new Set(flat.map((e) => e.webhookId)).size, flat.length, `round ${round}: disjoint`);
    const queue = createDeliveryQueueRepo(pool);
    for (const [i, leased] of leases.entries()) {
      for (const e of leased) {
        for (const job of e.jobs) {
          sent.set(e.webhookId, [...(sent.get(e.webhookId) ?? []), job.eventId]);
          await queue.succeeded(job.id, { status: 200, error: null, at });
        }
        await queue.release(e.webhookId, `w${i + 1}`);
      }
    }
  }
  for (const [id, events] of sent) t.same(events, [...events].sort(), `endpoint ${id}: in order, none twice`);
});

t.test('an expired lease is taken by another owner; the old owner can no longer renew it', async (t) => {
  const pool = await pgPool(t);
  await seedEndpoints(createWebhookRepo(pool), pool, 2, 2);
  const queue = createDeliveryQueueRepo(pool);
  t.same((await queue.lease('dead', T0 + 100, T0 + 1000, LIMITS)).map((e) => e.webhookId), [1, 2]);
  t.same(await queue.lease('alive', T0 + 999, T0 + 2000, LIMITS), [], 'not before the lease runs out');
  const taken = await queue.lease('alive', T0 + 1000, T0 + 2000, { endpoints: 1, batch: 5 });
  t.same(taken.map((e) => [e.webhookId, e.jobs.map((j) => j.eventId)]), [[1, ['e1_0', 'e1_1']]], 'once it has, another owner takes it, with the pending deliveries again');
  t.equal(await queue.renew(1, 'dead', T0 + 5000), false, 'the lost lease cannot be renewed');
  t.equal(await queue.renew(2, 'dead', T0 + 5000), true, 'one nobody took still can');
  t.equal(await queue.renew(1, 'alive', T0 + 5000), true);
  await queue.release(1, 'dead');
  t.same(await queue.lease('third', T0 + 3000, T0 + 4000, LIMITS), [], 'a release by the old owner does not free it');
});

t.test('a worker waiting on a locked endpoint is not blocked: it skips it', async (t) => {
  const pool = await pgPool(t, 4);
  await seedEndpoints(createWebhookRepo(pool), pool, 3, 1);
  const holder = await pool.connect();
  t.teardown(() => holder.release());
  await holder.query('BEGIN');
  t.same((await createDeliveryQueueRepo(holder).lease('w1', T0 + 100, T0 + 1000, { endpoints: 2, batch: 1 })).map((e) => e.webhookId), [1, 2]);
  const started = Date.now();
  const other = await leaseIn(pool, (q) => q.lease('w2', T0 + 100, T0 + 1000, LIMITS));
  t.same(other.map((e) => e.webhookId), [3], 'the uncommitted lease’s rows are skipped');
  t.ok(Date.now() - started < 2000, 'without waiting for them');
  await holder.query('ROLLBACK');
  t.same((await createDeliveryQueueRepo(pool).lease('w3', T0 + 100, T0 + 1000, LIMITS)).map((e) => e.webhookId), [1, 2], 'a lease rolled back leaves them free');
});
