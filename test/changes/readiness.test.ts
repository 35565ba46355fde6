import t from 'tap';
import { buildTestApp, call } from '../helpers/app.js';

t.test('/readyz tells how far the change feed is held back', async (t) => {
  const ctx = await buildTestApp(t);
  await call(ctx.app, { method: 'POST', url: '/v1/sections', headers: ctx.auth.write, payload: { name: '西安' } });
  const res = await call(ctx.app, { method: 'GET', url: '/readyz' });
  t.equal(res.status, 200);
  t.equal(res.body.status, 'ok');
  if (ctx.store.dialect === 'sqlite') {
    t.same(res.body.changeFeed, { heldBack: 0, oldestWriteMs: null }, 'SQLite commits in feed order: never held back');
  } else {
    // Another session of the server (autovacuum, another test's database) may be writing for a moment.
    t.ok(Number.isInteger(res.body.changeFeed.heldBack) && res.body.changeFeed.heldBack >= 0, `events held back: ${res.body.changeFeed.heldBack}`);
    const age = res.body.changeFeed.oldestWriteMs;
    t.ok(age === null || (Number.isInteger(age) && age >= 0), `the oldest write's age: ${age}`);
  }
});
