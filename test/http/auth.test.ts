import Fastify from 'fastify';
import t from 'tap';
import { authPlugin } from '../../src/http/auth.js';
import { createContract } from '../../src/http/contract.js';
import { errorsPlugin } from '../../src/http/errors.js';
import { createKeyService } from '../../src/keys/service.js';
import { assertProblem, buildTestApp, call, createKey } from '../helpers/app.js';
import { factories, req } from '../helpers/factories.js';
import { countStored } from '../helpers/store-rows.js';

const INVALID = /^Bearer realm="masthead", error="invalid_token"$/;

t.test('every bad credential shape is a 401 with WWW-Authenticate, on public and write routes alike', async (t) => {
  const ctx = await buildTestApp(t);
  const revoked = await createKey(ctx.store, ctx.clock, { scope: 'admin' });
  await createKeyService(ctx.store, ctx.clock).revoke(revoked.id);
  const valid = ctx.auth.admin.authorization.slice('Bearer '.length);
  const shapes: Record<string, string> = {
    empty: '',
    'scheme only': 'Bearer',
    'scheme and space': 'Bearer ',
    'wrong scheme': `Basic ${Buffer.from('admin:secret').toString('base64')}`,
    'no scheme': valid,
    'two tokens': `Bearer ${valid} ${valid}`,
    'wrong prefix': `Bearer sk_${valid.slice(3)}`,
    'prefix only': 'Bearer mh_',
    'bad characters': `Bearer ${valid.slice(0, 20)}!${valid.slice(21)}`,
    unknown: `Bearer mh_${'A'.repeat(43)}`,
    'one character off': `Bearer ${valid.slice(0, -1)}${valid.endsWith('A') ? 'B' : 'A'}`,
    revoked: revoked.header.authorization,
    'very long': `Bearer mh_${'a'.repeat(5000)}`,
    'just over the limit': `Bearer mh_${'a'.repeat(198)}`,
  };
  for (const [shape, header] of Object.entries(shapes)) {
    for (const r of [req('GET', '/v1/articles'), req('POST', '/v1/sections', { name: '天津' })]) {
      const res = await call(ctx.app, { ...r, headers: { authorization: header } });
      assertProblem(t, res, 401, 'invalid-token');
      t.match(res.headers['www-authenticate'], INVALID, `${shape}: ${r.method} ${r.url} challenges`);
      t.notOk(JSON.stringify(res.body).includes(valid), `${shape}: the answer does not echo the secret`);
    }
  }
  t.equal(await countStored(ctx.store, 'sections'), 0, 'no refused write stored anything');
  t.equal((await call(ctx.app, req('GET', '/v1/articles', undefined, { authorization: `bearer  ${valid}` }))).status, 200, 'the scheme is case-insensitive');
});

t.test('no key: a reader on public routes, 401 where a key is needed', async (t) => {
  const ctx = await buildTestApp(t);
  t.equal((await call(ctx.app, req('GET', '/v1/articles'))).status, 200);
  const res = await call(ctx.app, req('POST', '/v1/sections', { name: '天津' }));
  assertProblem(t, res, 401, 'authentication-required');
  t.equal(res.headers['www-authenticate'], 'Bearer realm="masthead"', 'no error attribute when no credentials were sent');
});

t.test('a key with too small a scope is a 403 naming the scope needed', async (t) => {
  const ctx = await buildTestApp(t);
  const res = await call(ctx.app, req('POST', '/v1/sections', { name: '天津' }, ctx.auth.read));
  const body = assertProblem(t, res, 403, 'insufficient-scope');
  t.match(body.detail, /write/);
  t.equal(res.headers['www-authenticate'], 'Bearer realm="masthead", error="insufficient_scope", scope="write"');
  t.equal(await countStored(ctx.store, 'sections'), 0);
  t.equal((await call(ctx.app, req('POST', '/v1/sections', { name: '天津' }, ctx.auth.write))).status, 201);
  t.equal((await call(ctx.app, req('POST', '/v1/sections', { name: '北京' }, ctx.auth.admin))).status, 201, 'admin can do what write can');
});

t.test('MASTHEAD_PUBLIC_READ=off: every /v1 call needs a key; probes and the document stay open', async (t) => {
  const ctx = await buildTestApp(t, { publicRead: false });
  const res = await call(ctx.app, req('GET', '/v1/articles'));
  assertProblem(t, res, 401, 'authentication-required');
  t.equal(res.headers['www-authenticate'], 'Bearer realm="masthead"');
  assertProblem(t, await call(ctx.app, req('GET', '/v1/sections/tree')), 401);
  t.equal((await call(ctx.app, req('GET', '/v1/articles', undefined, ctx.auth.read))).status, 200, 'a read key reads');
  for (const url of ['/healthz', '/readyz', '/openapi.json']) t.equal((await call(ctx.app, req('GET', url))).status, 200, `${url} is open`);
});

t.test('a key revoked elsewhere (the CLI) stops working within the cache TTL', async (t) => {
  const ctx = await buildTestApp(t);
  const key = await createKey(ctx.store, ctx.clock, { scope: 'write' });
  t.equal((await call(ctx.app, req('GET', '/v1/sections', undefined, key.header))).status, 200);
  await createKeyService(ctx.store, ctx.clock).revoke(key.id);
  ctx.clock.advance(10_001);
  assertProblem(t, await call(ctx.app, req('GET', '/v1/sections', undefined, key.header)), 401, 'invalid-token');
});

t.test('audit: writes record the key that made them, shown to editors only', async (t) => {
  const ctx = await buildTestApp(t);
  const writer = await createKey(ctx.store, ctx.clock, { scope: 'write', name: 'importer' });
  const section = await factories(ctx).section();
  const created = await call(ctx.app, req('POST', '/v1/articles', { title: '新闻', sectionId: section.id, status: 'published' }, writer.header));
  t.match(created.body, { createdBy: writer.id, updatedBy: writer.id });
  const adminId = 1;
  await call(ctx.app, req('PATCH', `/v1/articles/${created.body.id}`, { title: '新闻二' }, ctx.auth.admin));
  const asEditor = await call(ctx.app, req('GET', `/v1/articles/${created.body.id}`, undefined, ctx.auth.write));
  t.match(asEditor.body, { createdBy: writer.id, updatedBy: adminId });
  const asReader = await call(ctx.app, req('GET', `/v1/articles/${created.body.id}`));
  t.match(asReader.body, { createdBy: null, updatedBy: null }, 'readers do not learn which key wrote');
});

t.test('a route without a declared scope stops the app at start-up; hidden routes are exempt', async (t) => {
  const app = Fastify({ logger: false });
  t.teardown(() => app.close());
  await app.register(errorsPlugin, { contract: createContract() });
  await app.register(authPlugin, { authenticate: async () => null, publicRead: true });
  t.throws(() => app.get('/v1/open', { schema: { summary: 'forgot the scope' } }, async () => 'x'), /GET \/v1\/open declares no scope/);
  t.throws(() => app.post('/v1/also', async () => 'x'), /declares no scope/);
  t.doesNotThrow(() => app.get('/assets/x', { schema: { hide: true } }, async () => 'x'));
  t.doesNotThrow(() => app.get('/v1/fine', { config: { scope: 'read' } }, async () => 'x'));
});

t.test('the OpenAPI document describes the bearer scheme and every operation’s scope', async (t) => {
  const ctx = await buildTestApp(t);
  const doc = ctx.app.swagger() as {
    components: { securitySchemes: Record<string, unknown> };
    paths: Record<string, Record<string, { 'x-scope'?: string; security?: unknown; description?: string }>>;
  };
  t.match(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer' });
  let n = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      n++;
      const scope = op['x-scope'];
      t.ok(scope && ['public', 'read', 'write', 'admin'].includes(scope), `${method} ${path} has an x-scope`);
      t.same(op.security, scope === 'public' ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }], `${method} ${path} security`);
      t.match(op.description, new RegExp(`Scope: ${scope}`), `${method} ${path} says its scope`);
      t.equal(op.description!.match(/Scope:/g)!.length, 1, 'once');
    }
  }
  t.ok(n > 20, `${n} operations checked`);
  t.equal(doc.paths['/v1/keys']!.post!['x-scope'], 'admin');
  t.equal(doc.paths['/v1/sections']!.post!['x-scope'], 'write');
});
