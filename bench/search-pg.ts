/**
 * PostgreSQL search latency, GIN and ts_rank against the RUM index (src/store/postgres/rum.ts):
 * fills a fresh database with N generated articles (bench/generate.ts) through plain SQL, builds
 * the search index as `masthead reindex` does, and times the search repository (first page of 20,
 * as an anonymous reader; what the store runs, without the answer cache) for the same queries as
 * bench/search-bench.ts: first with GIN alone, then with the RUM index built. Needs a server with
 * the rum extension (postgresql-15-rum) at BENCH_DATABASE_URL (default: this project's local
 * server); the database `masthead_bench_search_pg` is made there and dropped at the end.
 *
 *   node --import tsx bench/search-pg.ts [--articles 20000] [--runs 100]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { reindex } from '../src/search/index.js';
import { parseSearchQuery } from '../src/search/query.js';
import type { SearchQuery, SearchRepo, Visibility } from '../src/store/port.js';
import { createPool } from '../src/store/postgres/connection.js';
import { tsqueryText } from '../src/store/postgres/fts.js';
import { RUM_INDEX } from '../src/store/postgres/rum.js';
import { createSearchRepo } from '../src/store/postgres/search.js';
import { openPostgresStore } from '../src/store/postgres/store.js';
import { fillPostgres } from './fill-pg.js';

const QUERIES = ['天津', '高质量发展', '乡村振兴', '天津 经济'];
const BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = 'masthead_bench_search_pg';
const READER: Visibility = { editor: false, now: Date.parse('2026-11-27T00:00:00Z'), sectionIds: null, sourceIds: null };

const urlOf = (database: string) => Object.assign(new URL(BASE), { pathname: `/${database}` }).toString();

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function time(run: () => Promise<unknown>, runs: number) {
  for (let i = 0; i < 5; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

const parsed = (q: string): SearchQuery => {
  const p = parseSearchQuery(q);
  if ('error' in p) throw new Error(p.error);
  return p.query;
};

async function measure(pool: pg.Pool, repo: SearchRepo, runs: number): Promise<Map<string, { p50: number; p99: number }>> {
  const out = new Map<string, { p50: number; p99: number }>();
  // 21: a page of 20 and one more to know there is a next page, as src/search/store.ts asks.
  for (const q of QUERIES) out.set(q, await time(() => repo.rank(parsed(q), {}, READER, undefined, 21), runs));
  return out;
}

const { values } = parseArgs({ options: { articles: { type: 'string', default: '20000' }, runs: { type: 'string', default: '100' } } });
const n = Number(values.articles);
const runs = Number(values.runs);
const admin = new pg.Client({ connectionString: BASE });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${NAME}`);
try {
  const url = urlOf(NAME);
  const { store, search } = await openPostgresStore(url, { poolSize: 2, statementTimeoutMs: 0 });
  if (search.method !== 'rum') throw new Error(`this bench needs the RUM extension: ${search.message}`);
  const pool = createPool(url, { poolSize: 2, statementTimeoutMs: 0 });
  try {
    let started = performance.now();
    await fillPostgres(pool, n);
    console.log(`${n} articles filled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await pool.query(`DROP INDEX ${RUM_INDEX}`);
    const gin = await reindex(store);
    console.log(`reindex with GIN alone: ${(gin.ms / 1000).toFixed(1)} s`);
    await pool.query('VACUUM ANALYZE article_search');
    await pool.query('VACUUM ANALYZE articles');
    const ginTimes = await measure(pool, createSearchRepo(pool, 'gin'), runs);
    started = performance.now();
    await pool.query(`CREATE INDEX ${RUM_INDEX} ON article_search USING rum (tsv rum_tsvector_ops)`);
    console.log(`RUM index built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await pool.query('ANALYZE article_search');
    let statements = 0;
    const counting = { query: (text: string, params: unknown[]) => (statements++, pool.query(text, params)) } as unknown as pg.Pool;
    const rumTimes = await measure(pool, createSearchRepo(counting, 'rum'), runs);
    const reads = new Map<string, number>();
    for (const q of QUERIES) {
      statements = 0;
      await createSearchRepo(counting, 'rum').rank(parsed(q), {}, READER, undefined, 21);
      reads.set(q, statements);
    }
    const rumReindex = await reindex(store);
    console.log(`reindex with GIN and RUM: ${(rumReindex.ms / 1000).toFixed(1)} s`);
    const sizes = (await pool.query<{ gin: string; rum: string }>(`SELECT pg_size_pretty(pg_relation_size('article_search_tsv_idx')) AS gin, pg_size_pretty(pg_relation_size('${RUM_INDEX}')) AS rum`)).rows[0]!;
    console.log(`index sizes: GIN ${sizes.gin}, RUM ${sizes.rum}`);
    const visible = (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM articles WHERE status = 'published' AND deleted_at IS NULL AND published_at <= $1`, [READER.now])).rows[0]!.n;
    console.log(`\n| query | matches (of ${n}; ${visible} visible) | GIN p50 | GIN p99 | RUM p50 | RUM p99 | RUM statements |`);
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const q of QUERIES) {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*) AS n FROM article_search WHERE tsv @@ $1::tsquery', [tsqueryText(parsed(q))]);
      const g = ginTimes.get(q)!;
      const r = rumTimes.get(q)!;
      console.log(`| ${q} | ${rows[0]!.n} | ${g.p50.toFixed(1)} ms | ${g.p99.toFixed(1)} ms | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${reads.get(q)} |`);
    }
  } finally {
    await pool.end();
    await store.close();
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  await admin.end();
}
