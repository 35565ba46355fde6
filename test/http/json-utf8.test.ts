import t from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { countStored } from '../helpers/store-rows.js';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

// A stray continuation byte, a truncated 天 (E5 A4 A9), an overlong "/" and a UTF-16 surrogate encoded as UTF-8.
const BAD = { 'stray byte': [0xff], 'truncated 天': [0xe5, 0xa4], 'overlong /': [0xc0, 0xaf], 'encoded surrogate': [0xed, 0xa0, 0x80] };

t.test('a JSON body that is not valid UTF-8 is a 400 problem, and nothing is stored', async (t) => {
  const ctx = await buildTestApp(t);
  for (const [name, bad] of Object.entries(BAD)) {
    const res = await call(ctx.app, {
      method: 'POST',
      url: '/v1/sections',
      headers: { ...ctx.auth.write, 'content-type': 'application/json; charset=utf-8' },
      payload: bytes('{"name":"天津', bad, '"}'),
    });
    const problem = assertProblem(t, res, 400, 'malformed-json');
    t.match(problem.detail, /UTF-8/, name);
  }
  t.equal(await countStored(ctx.store, 'sections'), 0, 'no section was stored (none as U+FFFD)');
  const ok = await call(ctx.app, { method: 'POST', url: '/v1/sections', headers: { ...ctx.auth.write, 'content-type': 'application/json' }, payload: bytes('{"name":"天津"}') });
  t.equal(ok.status, 201, 'valid UTF-8 still goes through');
  t.equal(ok.body.name, '天津');
});

t.test('the same bytes in an NDJSON import line are refused too: one rule for both', async (t) => {
  const ctx = await buildTestApp(t);
  const res = await call(ctx.app, {
    method: 'POST',
    url: '/v1/import',
    headers: { ...ctx.auth.write, 'content-type': 'application/x-ndjson' },
    payload: bytes('{"type":"section","slug":"tianjin","name":"天津', [0xff], '"}\n'),
  });
  t.equal(res.status, 200);
  t.match(res.body, { failed: 1, created: 0, errors: [{ line: 1, problems: [{ message: /UTF-8/ }] }] });
});

t.test('malformed and empty JSON keep fastify’s own answers', async (t) => {
  const ctx = await buildTestApp(t);
  const post = (payload: string) => call(ctx.app, { method: 'POST', url: '/v1/sections', headers: { ...ctx.auth.write, 'content-type': 'application/json' }, payload });
  assertProblem(t, await post('{"name":'), 400, 'malformed-json');
  assertProblem(t, await post(''), 400, 'empty-body');
  assertProblem(t, await post('{"__proto__":{"x":1},"name":"a"}'), 400);
});
