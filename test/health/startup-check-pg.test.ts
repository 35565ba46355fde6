// PostgreSQL-specific: the start-up check's catalogue reads, with the catalogue broken by raw SQL in the test's own database.
import pg from 'pg';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { freshDatabase } from '../helpers/postgres.js';

/** The app on a fresh database, after `fault` broke it (as a superuser), with the start-up check on; its readiness once the check ended. */
async function readinessAfter(t: Test, fault: (pool: pg.Pool) => Promise<unknown> = async () => undefined) {
  const url = await freshDatabase(t);
  const { store } = await openPostgresStore(url, { poolSize: 2 });
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  await fault(admin);
  await admin.end();
  const app = await buildApp(testConfig({ startupCheck: true }), { store });
  t.teardown(async () => {
    await app.close();
    await store.close();
  });
  await app.ready();
  const outcome = await store.integrity.start();
  const res = await app.inject('/readyz');
  return { outcome, status: res.statusCode, type: res.headers['content-type'], body: res.json() };
}

t.test('a healthy database: ok, every table and index of the last migration counted, in tens of milliseconds', async (t) => {
  const { outcome, status, body } = await readinessAfter(t);
  t.equal(outcome.state, 'ok', outcome.message);
  t.equal(status, 200);
  t.match(body.integrity, { state: 'ok', reason: null });
  t.ok(body.integrity.checked > 40 && body.integrity.checked === body.integrity.total, `${body.integrity.checked} objects`);
  t.ok(body.integrity.tookMs < 5000, `${body.integrity.tookMs} ms`);
});

t.test('an index left invalid (an interrupted CREATE INDEX CONCURRENTLY): 503 database-damaged naming it and how to rebuild it', async (t) => {
  const res = await readinessAfter(t, (pool) => pool.query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'articles_slug_unique'::regclass"));
  t.equal(res.outcome.state, 'damaged');
  t.equal(res.status, 503);
  t.match(res.type, /^application\/problem\+json/);
  t.match(res.body, { code: 'database-damaged', detail: /index articles_slug_unique on articles is not valid .*REINDEX INDEX articles_slug_unique/ });
});

t.test('a missing table and a missing index: 503 naming each', async (t) => {
  const res = await readinessAfter(t, (pool) => pool.query('DROP TABLE article_slug_history; DROP INDEX articles_title_idx'));
  t.equal(res.status, 503);
  t.match(res.body.detail, /table article_slug_history is missing/);
  t.match(res.body.detail, /index articles_title_idx on articles is missing/);
  t.notMatch(res.body.detail, /article_slug_history_article_idx/, "a missing table's indexes are not named again");
});
