import { createHash } from 'node:crypto';
import t from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { factories, nextLink, req, withHeaders } from '../helpers/factories.js';
import { countStored } from '../helpers/store-rows.js';

type Key = { id: number; secret?: string; revokedAt: string | null; lastUsedAt: string | null };
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

t.test('an admin creates a key: 201, Location, the secret once, only its hash stored', async (t) => {
  const ctx = await buildTestApp(t);
  const { app } = ctx;
  const admin = withHeaders(ctx.auth.admin);
  const res = await call(app, admin(req('POST', '/v1/keys', { name: '合作方 X', scope: 'write' })));
  t.equal(res.status, 201);
  t.equal(res.headers.location, `/v1/keys/${res.body.id}`);
  t.equal(res.headers['cache-control'], 'no-store', 'no cache keeps the secret');
  t.match(res.body, { name: '合作方 X', scope: 'write', sections: null, sources: null, lastUsedAt: null, revokedAt: null, createdAt: '2026-11-27T08:00:00.000Z' });
  t.match(res.body.secret, /^mh_[A-Za-z0-9_-]{43}$/, 'mh_ and 32 random bytes in base64url');
  t.equal(res.body.prefix, res.body.secret.slice(0, 10));

  const row = (await ctx.store.keys.byId(res.body.id))!;
  t.equal(row.secretHash, createHash('sha256').update(res.body.secret).digest('hex'));
  t.notOk(Object.values(row).some((v) => String(v).includes(res.body.secret)), 'the secret itself is stored nowhere');

  const used = await call(app, req('POST', '/v1/sections', { name: '天津' }, bearer(res.body.secret)));
  t.equal(used.status, 201, 'the new key works at once with its scope');
  const another = await call(app, admin(req('POST', '/v1/keys', { name: '合作方 X', scope: 'write' })));
  t.not(another.body.secret, res.body.secret, 'every key gets its own secret');
});

t.test('the list never shows secrets and pages by id', async (t) => {
  const ctx = await buildTestApp(t);
  const admin = withHeaders(ctx.auth.admin);
  for (const name of ['a', 'b']) await call(ctx.app, admin(req('POST', '/v1/keys', { name, scope: 'read' })));
  const seen: number[] = [];
  let url: string | undefined = '/v1/keys?limit=2';
  while (url) {
    const page = await call(ctx.app, admin({ method: 'GET', url }));
    t.equal(page.status, 200);
    t.equal(page.body.page.limit, 2);
    for (const key of page.body.data) {
      t.notOk('secret' in key || 'secretHash' in key, `key ${key.id} is listed without its secret`);
      t.match(key.prefix, /^mh_.{7}$/);
    }
    seen.push(...page.body.data.map((k: Key) => k.id));
    url = nextLink(page.headers.link);
  }
  t.same(seen, [1, 2, 3, 4, 5], 'the three test keys and the two new ones, oldest first');
  assertProblem(t, await call(ctx.app, admin({ method: 'GET', url: '/v1/keys?cursor=nonsense' })), 400);
});

t.test('revoking: the key stops working at once; twice is fine; an unknown id is 404', async (t) => {
  const ctx = await buildTestApp(t);
  const admin = withHeaders(ctx.auth.admin);
  const key = (await call(ctx.app, admin(req('POST', '/v1/keys', { name: 'importer', scope: 'write' })))).body;
  t.equal((await call(ctx.app, { method: 'GET', url: '/v1/articles?status=draft', headers: bearer(key.secret) })).status, 200, 'warm the cache');
  const del = await ctx.app.inject(admin({ method: 'DELETE', url: `/v1/keys/${key.id}` }));
  t.equal(del.statusCode, 204);
  t.equal(del.body, '');
  assertProblem(t, await call(ctx.app, { method: 'GET', url: '/v1/articles', headers: bearer(key.secret) }), 401, 'invalid-token');
  t.equal((await ctx.app.inject(admin({ method: 'DELETE', url: `/v1/keys/${key.id}` }))).statusCode, 204, 'revoking again');
  const listed = (await call(ctx.app, admin({ method: 'GET', url: '/v1/keys' }))).body.data.find((k: Key) => k.id === key.id);
  t.equal(listed.revokedAt, '2026-11-27T08:00:00.000Z', 'kept in the list with the time it was revoked');
  assertProblem(t, await call(ctx.app, admin({ method: 'DELETE', url: '/v1/keys/999' })), 404, 'not-found');
  assertProblem(t, await call(ctx.app, admin({ method: 'DELETE', url: '/v1/keys/abc' })), 400);
});

t.test('partner limits must name existing sections and sources, and only on read keys', async (t) => {
  const ctx = await buildTestApp(t);
  const admin = withHeaders(ctx.auth.admin);
  const make = factories(ctx);
  await make.section({ slug: 'tianjin' });
  await make.source({ slug: 'tjrb' });
  const ok = await call(ctx.app, admin(req('POST', '/v1/keys', { name: 'partner', scope: 'read', sections: ['tianjin'], sources: ['tjrb'] })));
  t.equal(ok.status, 201);
  t.same([ok.body.sections, ok.body.sources], [['tianjin'], ['tjrb']]);

  const unknown = assertProblem(t, await call(ctx.app, admin(req('POST', '/v1/keys', { name: 'p', scope: 'read', sections: ['tianjin', 'nowhere'], sources: ['gone'] }))), 400, 'unknown-reference');
  t.same(unknown.errors.map((e: { pointer: string }) => e.pointer), ['/sections/1', '/sources/0']);
  const onWrite = assertProblem(t, await call(ctx.app, admin(req('POST', '/v1/keys', { name: 'p', scope: 'write', sections: ['tianjin'] }))), 400);
  t.match(onWrite.errors, [{ pointer: '/sections', message: /read keys/ }]);
  for (const [body, pointer] of [
    [{ scope: 'read' }, '/name'],
    [{ name: '  ', scope: 'read' }, '/name'],
    [{ name: 'x', scope: 'root' }, '/scope'],
    [{ name: 'x', scope: 'read', sections: [] }, '/sections'],
    [{ name: 'x', scope: 'read', sections: ['天津'] }, '/sections/0'],
  ] as const) {
    const bad = assertProblem(t, await call(ctx.app, admin(req('POST', '/v1/keys', body))), 400, 'validation-failed');
    t.match(bad.errors, [{ pointer }], `${JSON.stringify(body)} names ${pointer}`);
  }
  assertProblem(t, await call(ctx.app, admin(req('POST', '/v1/keys', { name: 'x', scope: 'read', secret: 'mh_mine' }))), 400, 'validation-failed');
  t.equal(await countStored(ctx.store, 'keys'), 4, 'no refused key was stored');
});

t.test('only admin keys manage keys', async (t) => {
  const ctx = await buildTestApp(t);
  const body = { name: 'x', scope: 'admin' };
  assertProblem(t, await call(ctx.app, req('POST', '/v1/keys', body)), 401, 'authentication-required');
  assertProblem(t, await call(ctx.app, req('POST', '/v1/keys', body, ctx.auth.read)), 403, 'insufficient-scope');
  assertProblem(t, await call(ctx.app, req('POST', '/v1/keys', body, ctx.auth.write)), 403, 'insufficient-scope');
  assertProblem(t, await call(ctx.app, { method: 'GET', url: '/v1/keys', headers: ctx.auth.write }), 403, 'insufficient-scope');
  assertProblem(t, await call(ctx.app, { method: 'DELETE', url: '/v1/keys/1', headers: ctx.auth.write }), 403, 'insufficient-scope');
  t.equal((await call(ctx.app, { method: 'GET', url: '/v1/keys', headers: ctx.auth.admin })).body.data[0].revokedAt, null, 'the admin key was not revoked');
});

