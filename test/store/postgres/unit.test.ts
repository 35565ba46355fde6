// PostgreSQL-specific: the unit of work's transaction, savepoints, retries and error translation on the server itself.
import t, { type Test } from 'tap';
import { AppError } from '../../../src/common/errors.js';
import { createPool } from '../../../src/store/postgres/connection.js';
import { runUnit, underSavepoint, type UnitOptions } from '../../../src/store/postgres/unit.js';
import { freshDatabase } from '../../helpers/postgres.js';

const OPTIONS: UnitOptions = { wait: true, lockTimeoutMs: 2000, attempts: 3 };

async function setUp(t: Test) {
  const pool = createPool(await freshDatabase(t), { poolSize: 6 });
  t.teardown(() => pool.end());
  await pool.query('CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)');
  await pool.query("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
  return pool;
}
const values = async (pool: import('pg').Pool) => (await pool.query<{ v: string }>('SELECT v FROM t ORDER BY id')).rows.map((r) => r.v);

t.test('a unit commits as a whole, runs its hooks after the commit, and rolls back as a whole', async (t) => {
  const pool = await setUp(t);
  const seen: string[][] = [];
  await runUnit(
    pool,
    async (c, state) => {
      await c.query("UPDATE t SET v = 'x' WHERE id = 1");
      state.hooks.push(() => void values(pool).then((v) => seen.push(v)));
      await c.query("UPDATE t SET v = 'y' WHERE id = 2");
    },
    OPTIONS,
  );
  await new Promise((r) => setTimeout(r, 50));
  t.same(seen, [['x', 'y']], 'the hook saw the committed state');
  let hooked = false;
  await t.rejects(
    runUnit(
      pool,
      async (c, state) => {
        await c.query("UPDATE t SET v = 'z' WHERE id = 1");
        state.hooks.push(() => void (hooked = true));
        throw new Error('boom');
      },
      OPTIONS,
    ),
    /boom/,
  );
  t.same(await values(pool), ['x', 'y'], 'nothing of the failed unit stays');
  t.notOk(hooked, 'no hook runs for a unit that did not commit');
});

t.test('a savepoint undoes its own part; the unit goes on and commits the rest', async (t) => {
  const pool = await setUp(t);
  await runUnit(
    pool,
    async (c) => {
      await c.query("UPDATE t SET v = 'kept' WHERE id = 1");
      const e = await underSavepoint(c, async () => {
        await c.query("UPDATE t SET v = 'undone' WHERE id = 2");
        await c.query('INSERT INTO t VALUES (1, $1)', ['dup']);
      }).catch((error: unknown) => error);
      t.type(e, AppError, 'the error comes back translated');
      t.equal((e as AppError).code, 'conflict', 'a unique violation no rule names is the generic 409');
      await c.query("INSERT INTO t VALUES (3, 'after')");
    },
    OPTIONS,
  );
  t.same(await values(pool), ['kept', 'b', 'after']);
});

t.test('savepoints one after another: each RELEASE goes with the next SAVEPOINT, and every outcome stays as it was', async (t) => {
  const pool = await setUp(t);
  await pool.query("INSERT INTO t VALUES (3, 'c'), (4, 'd'), (5, 'e')");
  const sent: string[] = [];
  await runUnit(
    pool,
    async (c) => {
      const query = c.query.bind(c) as (...args: unknown[]) => Promise<unknown>;
      const q = (text: string) => {
        sent.push(text);
        return query(text);
      };
      const spied = Object.assign(Object.create(c) as typeof c, { query: (text: string) => q(text) });
      const set = (id: number, v: string) => q(`UPDATE t SET v = '${v}' WHERE id = ${id}`);
      await underSavepoint(spied, () => set(1, 'one'));
      await underSavepoint(spied, () => set(2, 'two'));
      // Nested: the inner one done, then the outer one fails: both undone.
      await underSavepoint(spied, async () => {
        await set(3, 'three');
        await underSavepoint(spied, () => set(4, 'four'));
        await q('INSERT INTO t VALUES (1, NULL)');
      }).catch(() => undefined);
      // Nested: the inner one fails, the outer one goes on and is kept.
      await underSavepoint(spied, async () => {
        await underSavepoint(spied, () => q('INSERT INTO t VALUES (1, NULL)')).catch(() => undefined);
        await set(5, 'five');
      });
      await set(2, 'two, after');
    },
    OPTIONS,
  );
  t.same(await values(pool), ['one', 'two, after', 'c', 'd', 'five']);
  const savepoints = sent.filter((s) => /SAVEPOINT/.test(s));
  t.match(savepoints[1], /^RELEASE SAVEPOINT unit_\d+; SAVEPOINT unit_\d+$/, 'the first RELEASE went with the second SAVEPOINT');
  t.notOk(sent.some((s) => /^RELEASE SAVEPOINT unit_\d+$/.test(s)), 'no RELEASE had a round trip of its own');
  t.equal(sent.filter((s) => s.startsWith('ROLLBACK TO SAVEPOINT')).length, 2, 'the two failures rolled back');
});

t.test('a unit whose failed statement was caught without a savepoint does not commit silently', async (t) => {
  const pool = await setUp(t);
  await t.rejects(
    runUnit(
      pool,
      async (c) => {
        await c.query("UPDATE t SET v = 'lost' WHERE id = 1");
        await c.query('INSERT INTO t VALUES (1, $1)', ['dup']).catch(() => undefined);
      },
      OPTIONS,
    ),
    /rolled back/,
  );
  t.same(await values(pool), ['a', 'b']);
});

t.test('two units that deadlock: PostgreSQL aborts one, which runs again; both changes land', async (t) => {
  const pool = await setUp(t);
  let runs = 0;
  let release!: () => void;
  const bothHoldOne = new Promise<void>((r) => (release = r));
  let holding = 0;
  const crossing = (first: number, second: number, v: string) =>
    runUnit(
      pool,
      async (c) => {
        runs++;
        await c.query('UPDATE t SET v = v || $2 WHERE id = $1', [first, v]);
        if (++holding === 2) release();
        await bothHoldOne;
        await c.query('UPDATE t SET v = v || $2 WHERE id = $1', [second, v]);
      },
      OPTIONS,
    );
  await Promise.all([crossing(1, 2, '1'), crossing(2, 1, '2')]);
  t.equal(runs, 3, 'one of the two ran again');
  const [a, b] = await values(pool);
  t.ok(a!.length === 3 && b!.length === 3, `each row got both changes once (${a}, ${b})`);
});

t.test('a lock held elsewhere: wait: false fails at once with the 503 database-busy; waiting gets it once released', async (t) => {
  const pool = await setUp(t);
  const holder = await pool.connect();
  t.teardown(() => holder.release());
  await holder.query("BEGIN; UPDATE t SET v = 'held' WHERE id = 1");
  const started = Date.now();
  const e = await runUnit(pool, async (c) => void (await c.query("UPDATE t SET v = 'no' WHERE id = 1")), { ...OPTIONS, wait: false }).catch((error: unknown) => error);
  t.ok(e instanceof AppError && e.code === 'database-busy' && e.extra.headers?.['retry-after'] === '1', 'a 503 with Retry-After');
  t.ok(Date.now() - started < 1000, 'without waiting for the holder');
  const waiting = runUnit(pool, async (c) => void (await c.query("UPDATE t SET v = v || '+' WHERE id = 1")), OPTIONS);
  await new Promise((r) => setTimeout(r, 100));
  await holder.query('COMMIT');
  await waiting;
  t.same(await values(pool), ['held+', 'b']);
});

t.test('the server ending the connection mid-unit is the 503 database-unavailable, and the broken connection leaves the pool', async (t) => {
  const pool = await setUp(t);
  const e = await runUnit(
    pool,
    async (c) => {
      await c.query("UPDATE t SET v = 'gone' WHERE id = 1");
      const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      // The unit is between statements when the server ends it: the client hears the FATAL with no
      // query to fail (an 'error' event, which unheard ends the process); the next statement fails.
      await pool.query('SELECT pg_terminate_backend($1)', [pid]);
      while ((await pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      await c.query('SELECT 1');
    },
    OPTIONS,
  ).catch((error: unknown) => error);
  t.ok(e instanceof AppError && e.code === 'database-unavailable', `a 503 (${String(e)})`);
  t.same(await values(pool), ['a', 'b'], 'nothing was committed');
  await runUnit(pool, async (c) => void (await c.query("UPDATE t SET v = 'back' WHERE id = 1")), OPTIONS);
  t.same(await values(pool), ['back', 'b'], 'the next unit runs on a sound connection');
});

t.test("PostgreSQL's errors become the problems SQLite's do for the same conditions", async (t) => {
  const { translatePgError } = await import('../../../src/store/postgres/constraints.js');
  const codeOf = (e: object) => {
    const out = translatePgError(e);
    return out instanceof AppError ? `${out.status} ${out.code}` : 'unchanged';
  };
  t.equal(codeOf({ code: '23505', constraint: 'articles_slug_unique' }), '409 slug-taken');
  t.equal(codeOf({ code: '23505', constraint: 'articles_external_id_unique' }), '409 external-id-taken');
  t.equal(codeOf({ code: '23505', constraint: 'sections_slug_unique' }), '409 slug-taken');
  t.equal(codeOf({ code: '23505', constraint: 'article_revisions_article_revision_unique' }), '409 conflict');
  t.equal(codeOf({ code: '55P03' }), '503 database-busy');
  t.equal(codeOf({ code: '40P01' }), '503 database-busy', 'a deadlock still lost after the retries');
  t.equal(codeOf({ code: '57014' }), '503 database-busy', 'a statement timeout');
  t.equal(codeOf({ code: 'ECONNREFUSED' }), '503 database-unavailable');
  t.equal(codeOf({ code: '57P01' }), '503 database-unavailable', 'the server shutting down');
  t.equal(codeOf({ message: 'Connection terminated unexpectedly' }), '503 database-unavailable');
  t.equal(codeOf({ code: '53100' }), '507 storage-full');
  t.equal(codeOf({ code: '25006' }), '503 database-read-only');
  t.equal(codeOf({ code: '22021' }), '400 bad-request', 'NUL in text');
  t.equal(codeOf({ code: '42601', message: 'syntax error' }), 'unchanged', 'our own bug stays a 500');
});
