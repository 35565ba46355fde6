/**
 * How long `masthead check` takes on PostgreSQL (src/store/postgres/check.ts): fills a fresh
 * database with N generated articles (bench/generate.ts) through plain SQL — articles, their tag
 * rows, a change-feed event each — builds the search index as `masthead reindex` does (GIN alone,
 * then the RUM index built on the result, which is quicker than keeping it up row by row), and
 * times the check, with its parts apart. Needs BENCH_DATABASE_URL (default: this project's local
 * server, as a superuser, so that amcheck can be created); the database `masthead_bench_check_pg`
 * is made there and dropped at the end.
 *
 *   node --import tsx bench/check-pg.ts [--articles 5000,20000] [--keep]   (--keep: leave the last database for a look)
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { documentOf, reindex } from '../src/search/index.js';
import { checkPhysical } from '../src/store/postgres/amcheck.js';
import { createPool } from '../src/store/postgres/connection.js';
import { checkPostgresDatabase } from '../src/store/postgres/check.js';
import { RUM_INDEX } from '../src/store/postgres/rum.js';
import { openPostgresStore } from '../src/store/postgres/store.js';
import { fillPostgres } from './fill-pg.js';

const BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = 'masthead_bench_check_pg';
const urlOf = (database: string) => Object.assign(new URL(BASE), { pathname: `/${database}` }).toString();
const secs = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

const { values } = parseArgs({ options: { articles: { type: 'string', default: '5000,20000' }, keep: { type: 'boolean', default: false } } });
const admin = new pg.Client({ connectionString: BASE });
await admin.connect();
try {
  for (const n of values.articles!.split(',').map(Number)) {
    await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${NAME}`);
    const url = urlOf(NAME);
    const { store } = await openPostgresStore(url, { poolSize: 2, statementTimeoutMs: 0, searchIndex: 'gin' });
    const pool = createPool(url, { poolSize: 2, statementTimeoutMs: 0 });
    try {
      let started = performance.now();
      await fillPostgres(pool, n);
      await reindex(store);
      await pool.query(`CREATE EXTENSION IF NOT EXISTS rum; CREATE INDEX ${RUM_INDEX} ON article_search USING rum (tsv rum_tsvector_ops)`);
      await pool.query('VACUUM ANALYZE');
      const size = (await pool.query<{ size: string }>('SELECT pg_size_pretty(pg_database_size(current_database())) AS size')).rows[0]!.size;
      console.log(`${n} articles, database ${size}, filled and indexed in ${secs(started)} s`);
      // The part of the app's own work: segmenting every article again, as the check does to compare its search entry.
      started = performance.now();
      const articles = (await pool.query('SELECT id, title, subtitle, summary, body_text AS "bodyText", tags FROM articles')).rows;
      for (const row of articles) documentOf(row);
      console.log(`  segmenting every article: ${secs(started)} s`);
      started = performance.now();
      const client = await pool.connect();
      await checkPhysical(client, () => undefined).finally(() => client.release());
      console.log(`  amcheck of every table and B-tree index alone: ${secs(started)} s`);
      for (let run = 1; run <= 1; run++) {
        started = performance.now();
        const report = await checkPostgresDatabase(url, { documentOf: (row) => documentOf(row) });
        const damage = report.findings.filter((f) => f.level === 'damage');
        console.log(`  check ${run}: ${secs(started)} s (${report.subject}; ${damage.length === 0 ? 'integrity ok' : `damaged: ${damage[0]!.message}`})`);
      }
    } finally {
      await pool.end();
      await store.close();
    }
  }
} finally {
  if (!values.keep) await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  await admin.end();
}
