import t from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { factories } from '../helpers/factories.js';
import { deliveries, hookApp, register } from './helpers.js';

const URL_OK = 'https://partner.example.com/hooks/masthead';

t.test('register, read, change and delete an endpoint; the secret is shown once', async (t) => {
  const ctx = await buildTestApp(t);
  const { app, auth } = ctx;
  const created = await call(app, { method: 'POST', url: '/v1/webhooks', payload: { url: URL_OK, events: ['article.published', 'section.created'] }, headers: auth.admin });
  t.equal(created.status, 201);
  t.equal(created.headers.location, `/v1/webhooks/${created.body.id}`);
  t.match(created.body, { url: URL_OK, events: ['article.published', 'section.created'], active: true, failureCount: 0, disabledReason: null });
  t.match(created.body.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
  t.ok(Buffer.from(created.body.secret.slice(6), 'base64').length >= 24, 'at least 24 random bytes');
  const other = await call(app, { method: 'POST', url: '/v1/webhooks', payload: { url: URL_OK, events: ['*'] }, headers: auth.admin });
  t.not(other.body.secret, created.body.secret, 'each endpoint has its own secret');

  const one = await call(app, { method: 'GET', url: `/v1/webhooks/${created.body.id}`, headers: auth.admin });
  t.equal(one.status, 200);
  t.notOk('secret' in one.body, 'never shown again');
  const list = await call(app, { method: 'GET', url: '/v1/webhooks?limit=1', headers: auth.admin });
  t.same(list.body.data.map((w: { id: number }) => w.id), [created.body.id]);
  t.notOk('secret' in list.body.data[0]);
  t.ok(list.body.page.nextCursor);
  const second = await call(app, { method: 'GET', url: `/v1/webhooks?limit=1&cursor=${list.body.page.nextCursor}`, headers: auth.admin });
  t.same(second.body.data.map((w: { id: number }) => w.id), [other.body.id]);

  const patched = await call(app, { method: 'PATCH', url: `/v1/webhooks/${created.body.id}`, payload: { active: false, events: ['*'] }, headers: auth.admin });
  t.match(patched.body, { active: false, events: ['*'] });
  const gone = await call(app, { method: 'DELETE', url: `/v1/webhooks/${created.body.id}`, headers: auth.admin });
  t.equal(gone.status, 204);
  assertProblem(t, await call(app, { method: 'GET', url: `/v1/webhooks/${created.body.id}`, headers: auth.admin }), 404, 'not-found');
  assertProblem(t, await call(app, { method: 'DELETE', url: `/v1/webhooks/${created.body.id}`, headers: auth.admin }), 404);
});

t.test('admin keys only', async (t) => {
  const { app, auth } = await buildTestApp(t);
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/webhooks' }), 401);
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/webhooks', headers: auth.write }), 403, 'insufficient-scope');
  assertProblem(t, await call(app, { method: 'POST', url: '/v1/webhooks', payload: { url: URL_OK, events: ['*'] }, headers: auth.write }), 403);
});

t.test('bad registrations are 400s naming the field', async (t) => {
  const { app, auth } = await buildTestApp(t);
  const cases: [unknown, string][] = [
    [{ url: 'ftp://partner.example.com/', events: ['*'] }, '/url'],
    [{ url: 'not a url', events: ['*'] }, '/url'],
    [{ url: 'https://user:pw@partner.example.com/', events: ['*'] }, '/url'],
    [{ url: URL_OK, events: [] }, '/events'],
    [{ url: URL_OK, events: ['article.exploded'] }, '/events/0'],
    [{ url: URL_OK, events: ['*', '*'] }, '/events'],
    [{ url: URL_OK }, '/events'],
  ];
  for (const [payload, pointer] of cases) {
    const body = assertProblem(t, await call(app, { method: 'POST', url: '/v1/webhooks', payload: payload as object, headers: auth.admin }), 400);
    t.ok(body.errors.some((e: { pointer: string }) => e.pointer === pointer), `${JSON.stringify(payload)} names ${pointer}`);
  }
});

t.test('private, loopback, link-local and metadata addresses are refused at registration', async (t) => {
  const { app, auth } = await buildTestApp(t);
  for (const url of ['http://127.0.0.1/', 'http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/', 'http://localhost:3000/', 'http://[::ffff:192.168.1.1]/', 'http://[fd00:ec2::254]/', 'http://100.64.0.1/', 'http://0.0.0.0/']) {
    const body = assertProblem(t, await call(app, { method: 'POST', url: '/v1/webhooks', payload: { url, events: ['*'] }, headers: auth.admin }), 400);
    t.equal(body.errors[0].pointer, '/url', url);
  }
  const patch = await call(app, { method: 'POST', url: '/v1/webhooks', payload: { url: URL_OK, events: ['*'] }, headers: auth.admin });
  assertProblem(t, await call(app, { method: 'PATCH', url: `/v1/webhooks/${patch.body.id}`, payload: { url: 'http://192.168.0.10/' }, headers: auth.admin }), 400);
});

t.test('the delivery log pages newest first and filters by status; redelivery of an unknown delivery is a 404', async (t) => {
  const ctx = await hookApp(t);
  const hook = await register(ctx, 'http://127.0.0.1:9/never-called', ['section.created']);
  const f = factories(ctx);
  for (let i = 0; i < 3; i++) await f.section();
  const all = await deliveries(ctx, hook.id);
  t.equal(all.length, 3);
  t.ok(all[0]!.id > all[1]!.id && all[1]!.id > all[2]!.id, 'newest first');
  t.same(all.map((d) => d.status), ['pending', 'pending', 'pending']);
  const page = await call(ctx.app, { method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries?limit=2`, headers: ctx.auth.admin });
  t.equal(page.body.data.length, 2);
  const rest = await call(ctx.app, { method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries?limit=2&cursor=${page.body.page.nextCursor}`, headers: ctx.auth.admin });
  t.same(rest.body.data.map((d: { id: number }) => d.id), [all[2]!.id]);
  const succeeded = await call(ctx.app, { method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries?status=succeeded`, headers: ctx.auth.admin });
  t.same(succeeded.body.data, []);
  assertProblem(t, await call(ctx.app, { method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/999/redeliver`, headers: ctx.auth.admin }), 404);
  assertProblem(t, await call(ctx.app, { method: 'GET', url: '/v1/webhooks/999/deliveries', headers: ctx.auth.admin }), 404);
});
