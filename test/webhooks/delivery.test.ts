// SQLite-specific: the restart test reopens the same SQLite file with a new connection.
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { call, createKey, testClock } from '../helpers/app.js';
import { factories, hoursFrom } from '../helpers/factories.js';
import { deliveries, hookApp, register } from './helpers.js';
import { startReceiver } from './receiver.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';

const START = '2026-11-27T08:00:00.000Z';

t.test('article.created and article.published arrive signed, with the article as the API shows it', async (t) => {
  const receiver = await startReceiver(t);
  const ctx = await hookApp(t);
  const hook = await register(ctx, `${receiver.url}/hooks`);
  receiver.useSecret(hook.secret);
  const f = factories(ctx);
  const section = await f.section({ name: '天津' });
  const article = await f.article(section.id, { title: '甘肃省党政代表团来津考察' });
  t.same(receiver.received, [], 'nothing is sent before the worker runs');
  const run = await ctx.app.webhooks.runOnce();
  t.same(run, { delivered: 3, failed: 0 });
  t.same(receiver.received.map((r) => r.payload?.type), ['section.created', 'article.created', 'article.published']);
  t.ok(receiver.received.every((r) => r.verified), 'standardwebhooks verifies every signature');
  const published = receiver.received[2]!;
  t.equal(published.path, '/hooks');
  t.equal(published.headers['content-type'], 'application/json');
  t.match(published.headers['webhook-id'], /^msg_/);
  t.match(published.payload, { type: 'article.published', timestamp: START, data: { id: article.id, title: '甘肃省党政代表团来津考察', status: 'published', createdBy: null } });
  t.not(receiver.received[1]!.headers['webhook-id'], published.headers['webhook-id'], 'each event has its own id');
  const log = await deliveries(ctx, hook.id);
  t.same(log.map((d) => [d.eventType, d.status, d.attempts, d.lastStatusCode]), [
    ['article.published', 'succeeded', 1, 204],
    ['article.created', 'succeeded', 1, 204],
    ['section.created', 'succeeded', 1, 204],
  ]);
  t.same(await ctx.app.webhooks.runOnce(), { delivered: 0, failed: 0 }, 'delivered once');
});

t.test('endpoints get only the events they asked for; drafts are not published', async (t) => {
  const receiver = await startReceiver(t);
  const ctx = await hookApp(t);
  const hook = await register(ctx, receiver.url, ['article.published', 'article.deleted']);
  receiver.useSecret(hook.secret);
  const f = factories(ctx);
  const section = await f.section();
  const draft = await f.article(section.id, { status: 'draft' });
  await ctx.app.webhooks.runOnce();
  t.same(receiver.received, [], 'a draft is no publication');
  await call(ctx.app, { method: 'PATCH', url: `/v1/articles/${draft.id}`, payload: { status: 'published' }, headers: ctx.auth.write });
  await call(ctx.app, { method: 'PATCH', url: `/v1/articles/${draft.id}`, payload: { title: '改标题' }, headers: ctx.auth.write });
  await call(ctx.app, { method: 'DELETE', url: `/v1/articles/${draft.id}`, headers: ctx.auth.write });
  await ctx.app.webhooks.runOnce();
  t.same(receiver.received.map((r) => r.payload?.type), ['article.published', 'article.deleted']);
  t.match(receiver.received[1]!.payload!.data, { id: draft.id, title: '改标题' });
});

t.test('a scheduled article’s article.published arrives when the clock passes its publishedAt', async (t) => {
  const receiver = await startReceiver(t);
  const ctx = await hookApp(t);
  const hook = await register(ctx, receiver.url, ['article.created', 'article.published']);
  receiver.useSecret(hook.secret);
  const section = await factories(ctx).section();
  const scheduled = await factories(ctx).article(section.id, { publishedAt: hoursFrom(START, 2) });
  await ctx.app.webhooks.runOnce();
  t.same(receiver.received.map((r) => r.payload?.type), ['article.created']);
  ctx.clock.advance(3_600_000);
  await ctx.app.webhooks.runOnce();
  t.equal(receiver.received.length, 1, 'not yet due');
  ctx.clock.advance(2 * 3_600_000);
  await ctx.app.webhooks.runOnce();
  t.same(receiver.received.map((r) => r.payload?.type), ['article.created', 'article.published']);
  t.match(receiver.received[1]!.payload, { timestamp: hoursFrom(START, 2), data: { id: scheduled.id, publishedAt: hoursFrom(START, 2) } });
  t.ok(receiver.received[1]!.verified);
  await ctx.app.webhooks.runOnce();
  t.equal(receiver.received.length, 2, 'announced once');
});

t.test('500s are retried with backoff on the injected clock, with the same webhook-id, until success', async (t) => {
  const receiver = await startReceiver(t, { behaviour: (n) => (n <= 2 ? 500 : 204) });
  const ctx = await hookApp(t);
  const hook = await register(ctx, receiver.url, ['section.created']);
  receiver.useSecret(hook.secret);
  await factories(ctx).section();
  t.same(await ctx.app.webhooks.runOnce(), { delivered: 0, failed: 1 });
  let [d] = await deliveries(ctx, hook.id);
  t.match(d, { status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500' });
  const wait = Date.parse(d!.nextAttemptAt!) - ctx.clock.now;
  t.ok(wait >= 4_000 && wait <= 6_000, `first retry after about 5 s (${wait} ms)`);
  await ctx.app.webhooks.runOnce();
  t.equal(receiver.received.length, 1, 'not retried before it is due');
  ctx.clock.advance(6_000);
  await ctx.app.webhooks.runOnce();
  [d] = await deliveries(ctx, hook.id);
  const wait2 = Date.parse(d!.nextAttemptAt!) - ctx.clock.now;
  t.ok(wait2 >= 24_000 && wait2 <= 36_000, `second retry after about 30 s (${wait2} ms)`);
  ctx.clock.advance(36_000);
  t.same(await ctx.app.webhooks.runOnce(), { delivered: 1, failed: 0 });
  [d] = await deliveries(ctx, hook.id);
  t.match(d, { status: 'succeeded', attempts: 3, lastStatusCode: 204, lastError: null, nextAttemptAt: null });
  t.equal(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size, 1, 'one webhook-id across retries');
  t.ok(receiver.received.every((r) => r.verified));
});

t.test('a receiver that never answers times out, and the attempt is logged', async (t) => {
  const receiver = await startReceiver(t, { behaviour: () => 'hang' });
  const ctx = await hookApp(t, { timeoutMs: 300 });
  const hook = await register(ctx, receiver.url, ['section.created']);
  receiver.useSecret(hook.secret);
  await factories(ctx).section();
  const started = Date.now();
  t.same(await ctx.app.webhooks.runOnce(), { delivered: 0, failed: 1 });
  const took = Date.now() - started;
  t.ok(took >= 250 && took < 3_000, `gave up after the timeout (${took} ms)`);
  const [d] = await deliveries(ctx, hook.id);
  t.match(d, { status: 'pending', attempts: 1, lastStatusCode: null, lastError: /Timed out after 300 ms/ });
});

t.test('redirects are not followed', async (t) => {
  const receiver = await startReceiver(t, { behaviour: (_n, path) => (path === '/moved' ? 204 : { redirect: '/moved' }) });
  const ctx = await hookApp(t);
  const hook = await register(ctx, `${receiver.url}/old`, ['section.created']);
  await factories(ctx).section();
  await ctx.app.webhooks.runOnce();
  t.same(receiver.received.map((r) => r.path), ['/old']);
  const [d] = await deliveries(ctx, hook.id);
  t.match(d, { status: 'pending', lastStatusCode: 302, lastError: /Redirect to \/moved not followed/ });
});

t.test('deliveries that keep failing end as failed, and the endpoint is disabled; turning it back on resumes', async (t) => {
  const receiver = await startReceiver(t, { behaviour: () => 503 });
  const ctx = await hookApp(t, { maxAttempts: 2, disableAfter: 2 });
  const hook = await register(ctx, receiver.url, ['section.created']);
  const f = factories(ctx);
  await f.section();
  await f.section();
  // One attempt per pass while the endpoint fails: the later event waits behind the earlier one.
  for (let pass = 0; pass < 6; pass++) {
    await ctx.app.webhooks.runOnce();
    ctx.clock.advance(10_000);
  }
  const log = await deliveries(ctx, hook.id);
  t.same(log.map((d) => [d.status, d.attempts]), [['failed', 2], ['failed', 2]]);
  const state = (await call(ctx.app, { method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: ctx.auth.admin })).body;
  t.match(state, { active: false, failureCount: 2, disabledReason: /Disabled after 2 failed deliveries in a row; the last: HTTP 503/ });
  await f.section();
  t.equal((await deliveries(ctx, hook.id)).length, 2, 'a disabled endpoint gets no new events');

  const sent = receiver.received.length;
  const redo = await call(ctx.app, { method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${log[0]!.id}/redeliver`, headers: ctx.auth.admin });
  t.equal(redo.status, 202);
  t.match(redo.body, { status: 'pending', attempts: 0, eventId: log[0]!.eventId });
  await ctx.app.webhooks.runOnce();
  t.equal(receiver.received.length, sent, 'waits while the endpoint is off');
  receiver.answer(() => 200);
  const on = await call(ctx.app, { method: 'PATCH', url: `/v1/webhooks/${hook.id}`, payload: { active: true }, headers: ctx.auth.admin });
  t.match(on.body, { active: true, failureCount: 0, disabledReason: null });
  t.same(await ctx.app.webhooks.runOnce(), { delivered: 1, failed: 0 }, 'the redelivery goes out');
  t.equal(receiver.received.at(-1)!.headers['webhook-id'], log[0]!.eventId, 'with the event’s webhook-id');
});

t.test('manual redelivery sends the same event again', async (t) => {
  const receiver = await startReceiver(t);
  const ctx = await hookApp(t);
  const hook = await register(ctx, receiver.url, ['source.created']);
  receiver.useSecret(hook.secret);
  await factories(ctx).source({ name: '天津日报' });
  await ctx.app.webhooks.runOnce();
  const [first] = await deliveries(ctx, hook.id);
  const redo = await call(ctx.app, { method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${first!.id}/redeliver`, headers: ctx.auth.admin });
  t.equal(redo.status, 202);
  await ctx.app.webhooks.runOnce();
  t.equal(receiver.received.length, 2);
  t.equal(receiver.received[1]!.body, receiver.received[0]!.body, 'same body');
  t.equal(receiver.received[1]!.headers['webhook-id'], receiver.received[0]!.headers['webhook-id'], 'same webhook-id');
  t.ok(receiver.received[1]!.verified);
  t.match(receiver.received[1]!.payload, { type: 'source.created', data: { name: '天津日报' } });
});

t.test('events still in the outbox when the app stops are delivered after a restart', async (t) => {
  const receiver = await startReceiver(t);
  const path = join(t.testdir(), 'masthead.db');
  const clock = testClock();
  const config = testConfig({ webhooks: { ...testConfig().webhooks, allowPrivate: true } });
  const db1 = openDatabase(path);
  migrateDatabase(db1);
  const store1 = createSqliteStore(db1);
  const app1 = await buildApp(config, { store: store1, clock });
  const admin = (await createKey(store1, clock, { scope: 'admin' })).header;
  const hook = (await call(app1, { method: 'POST', url: '/v1/webhooks', payload: { url: receiver.url, events: ['section.created'] }, headers: admin })).body;
  receiver.useSecret(hook.secret);
  t.equal((await call(app1, { method: 'POST', url: '/v1/sections', payload: { name: '政情' }, headers: admin })).status, 201);
  await app1.close();
  db1.$client.close();
  t.same(receiver.received, [], 'closed before delivery');

  const db2 = openDatabase(path);
  const app2 = await buildApp(config, { store: createSqliteStore(db2), clock });
  t.teardown(async () => {
    await app2.close();
    db2.$client.close();
  });
  t.same(await app2.webhooks.runOnce(), { delivered: 1, failed: 0 });
  t.match(receiver.received[0]!.payload, { type: 'section.created', data: { name: '政情' } });
  t.ok(receiver.received[0]!.verified);
});

t.test('with WEBHOOKS_WORKER on, the app delivers by itself and stops the worker on close', async (t) => {
  const receiver = await startReceiver(t);
  const ctx = await hookApp(t, { worker: true, pollMs: 100 });
  const hook = await register(ctx, receiver.url, ['section.created']);
  receiver.useSecret(hook.secret);
  await factories(ctx).section();
  await receiver.until(1);
  t.ok(receiver.received[0]!.verified);
});

t.test('section and source events, for an endpoint that asked for everything', async (t) => {
  const receiver = await startReceiver(t);
  const ctx = await hookApp(t);
  const hook = await register(ctx, receiver.url, ['*']);
  receiver.useSecret(hook.secret);
  const f = factories(ctx);
  const section = await f.section();
  const source = await f.source();
  await call(ctx.app, { method: 'PATCH', url: `/v1/sections/${section.id}`, payload: { name: '政情' }, headers: ctx.auth.write });
  await call(ctx.app, { method: 'PATCH', url: `/v1/sources/${source.id}`, payload: { name: '新华社' }, headers: ctx.auth.write });
  await call(ctx.app, { method: 'DELETE', url: `/v1/sources/${source.id}`, headers: ctx.auth.write });
  await call(ctx.app, { method: 'DELETE', url: `/v1/sections/${section.id}`, headers: ctx.auth.write });
  await ctx.app.webhooks.runOnce();
  t.same(receiver.received.map((r) => r.payload?.type), ['section.created', 'source.created', 'section.updated', 'source.updated', 'source.deleted', 'section.deleted']);
  t.match(receiver.received[2]!.payload!.data, { id: section.id, name: '政情', version: 2 });
  t.ok(receiver.received.every((r) => r.verified));
});
