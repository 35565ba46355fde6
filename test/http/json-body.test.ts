import t from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { factories } from '../helpers/factories.js';

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON'];

t.test('a bodyless request with Content-Type: application/json and an empty body is a request without a body', async (t) => {
  const ctx = await buildTestApp(t);
  const make = factories(ctx);
  const section = await make.section({ name: '天津' });
  for (const type of JSON_TYPES) {
    const headers = { ...ctx.auth.write, 'content-type': type };
    const a = await make.article(section.id, { title: '甘肃省党政代表团来津考察' });
    const link = await make.link(a.id, { url: 'https://www.enorth.com.cn/', title: '北方网' });
    t.equal((await call(ctx.app, { method: 'DELETE', url: `/v1/articles/${a.id}/related-links/${link.id}`, payload: '', headers })).status, 204, `${type}: DELETE a link`);
    t.equal((await call(ctx.app, { method: 'DELETE', url: `/v1/articles/${a.id}`, payload: '', headers })).status, 204, `${type}: DELETE an article`);
    const restored = await call(ctx.app, { method: 'POST', url: `/v1/articles/${a.id}/restore`, payload: '', headers });
    t.equal(restored.status, 200, `${type}: POST restore (no body)`);
    t.equal(restored.body.title, '甘肃省党政代表团来津考察');
  }
  const empty = await make.section({ name: '政情' });
  t.equal((await call(ctx.app, { method: 'DELETE', url: `/v1/sections/${empty.id}`, payload: '', headers: { ...ctx.auth.write, 'content-type': 'application/json' } })).status, 204);
});

t.test('routes that take a body still refuse an empty or malformed one; bodyless routes still parse what is sent', async (t) => {
  const ctx = await buildTestApp(t);
  const make = factories(ctx);
  const section = await make.section({ name: '天津' });
  const a = await make.article(section.id);
  const headers = { ...ctx.auth.write, 'content-type': 'application/json' };
  assertProblem(t, await call(ctx.app, { method: 'POST', url: '/v1/articles', payload: '', headers }), 400, 'empty-body');
  assertProblem(t, await call(ctx.app, { method: 'PATCH', url: `/v1/articles/${a.id}`, payload: '', headers }), 400, 'empty-body');
  assertProblem(t, await call(ctx.app, { method: 'DELETE', url: `/v1/articles/${a.id}`, payload: '{', headers }), 400, 'malformed-json');
  assertProblem(t, await call(ctx.app, { method: 'DELETE', url: `/v1/articles/${a.id}`, payload: '{"__proto__":{"x":1}}', headers }), 400);
  t.equal((await call(ctx.app, { method: 'GET', url: `/v1/articles/${a.id}` })).status, 200, 'none of these deleted it');
});
