import t from 'tap';
import { decodePosition, encodePosition, laterPosition } from '../../src/changes/cursor.js';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';

const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

t.test('SQLite positions encode as they always did, and cursors handed out before still decode', async (t) => {
  t.equal(encodePosition(42), raw({ c: 42 }));
  t.equal(decodePosition(raw({ c: 42 })), 42);
  t.equal(decodePosition(raw({ c: 0 })), 0);
});

t.test('a (transaction, cursor) position goes through a cursor unchanged', async (t) => {
  const position = { xid: 123456789, cursor: 987 };
  t.same(decodePosition(encodePosition(position)), position);
  t.same(decodePosition(raw({ x: 0, c: 0 })), { xid: 0, cursor: 0 });
});

t.test('a malformed compound cursor is a 400', async (t) => {
  for (const bad of [{ x: -1, c: 1 }, { x: '5', c: 1 }, { x: 1.5, c: 1 }, { x: null, c: 1 }, { x: 1 }, { x: 2 ** 53, c: 1 }]) {
    t.throws(() => decodePosition(raw(bad)), /The cursor is not valid/, JSON.stringify(bad));
  }
});

t.test('the later of two positions', async (t) => {
  t.equal(laterPosition(3, 5), 5);
  t.equal(laterPosition(5, 3), 5);
  t.same(laterPosition(0, { xid: 1, cursor: 9 }), { xid: 1, cursor: 9 });
  t.same(laterPosition({ xid: 1, cursor: 9 }, 0), { xid: 1, cursor: 9 });
  t.same(laterPosition({ xid: 2, cursor: 1 }, { xid: 1, cursor: 9 }), { xid: 2, cursor: 1 });
  t.same(laterPosition({ xid: 2, cursor: 1 }, { xid: 2, cursor: 3 }), { xid: 2, cursor: 3 });
});

t.test("another adapter's cursor is a 400 naming since", async (t) => {
  const { app, store } = await buildTestApp(t);
  // SQLite's positions are numbers, PostgreSQL's (transaction id, number) pairs: each store refuses the other's.
  const foreign = store.dialect === 'postgres' ? encodePosition(5) : encodePosition({ xid: 800, cursor: 1 });
  const res = await call(app, { method: 'GET', url: `/v1/changes?since=${foreign}` });
  const body = assertProblem(t, res, 400, 'validation-failed');
  t.equal(body.errors[0].pointer, '/since');
  t.equal((await call(app, { method: 'GET', url: `/v1/changes?since=${encodePosition(0)}` })).status, 200, 'the start is every adapter’s');
});
