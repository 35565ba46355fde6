/**
 * How long `masthead reindex` takes on PostgreSQL, and how searches fare meanwhile: fills a fresh
 * database with N generated articles (bench/generate.ts) through plain SQL, builds the search index
 * once (so that the timed run replaces a full index, as a reindex on a live archive does), then
 * times `reindex` while one reader searches in a loop on another connection (its p50 / p99 / max
 * and how many searches failed). `--index gin` keeps to GIN (DATABASE_SEARCH_INDEX=gin), `auto`
 * uses RUM too. Needs BENCH_DATABASE_URL (default: this project's local server, a superuser, so that
 * the rum extension can be created); the database `masthead_bench_reindex_pg` is made there and
 * dropped at the end.
 *
 *   node --import tsx bench/reindex-pg.ts [--articles 20000] [--index auto|gin] [--runs 1]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { reindex } from '../src/search/index.js';
import { parseSearchQuery } from '../src/search/query.js';
import type { SearchQuery, Visibility } from '../src/store/port.js';
import { createPool } from '../src/store/postgres/connection.js';
import { RUM_INDEX, type SearchIndexChoice } from '../src/store/postgres/rum.js';
import { createSearchRepo } from '../src/store/postgres/search.js';
import { openPostgresStore } from '../src/store/postgres/store.js';
import { fillPostgres } from './fill-pg.js';

const BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = 'masthead_bench_reindex_pg';
const READER: Visibility = { editor: false, now: Date.parse('2026-11-27T00:00:00Z'), sectionIds: null, sourceIds: null };
const urlOf = (database: string) => Object.assign(new URL(BASE), { pathname: `/${database}` }).toString();
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const parsed = (q: string): SearchQuery => {
  const p = parseSearchQuery(q);
  if ('error' in p) throw new Error(p.error);
  return p.query;
};

const { values } = parseArgs({ options: { articles: { type: 'string', default: '20000' }, index: { type: 'string', default: 'auto' }, runs: { type: 'string', default: '1' } } });
const n = Number(values.articles);
const choice = values.index as SearchIndexChoice;

const admin = new pg.Client({ connectionString: BASE });
await admin.connect();
try {
  await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${NAME}`);
  const url = urlOf(NAME);
  const { store, search } = await openPostgresStore(url, { poolSize: 4, statementTimeoutMs: 0, searchIndex: choice });
  const pool = createPool(url, { poolSize: 2, statementTimeoutMs: 0 });
  try {
    let started = performance.now();
    await fillPostgres(pool, n);
    // The first index built quickly (RUM made once on the filled table), so that only the timed run pays for its upkeep.
    if (search.method === 'rum') await pool.query(`DROP INDEX ${RUM_INDEX}`);
    const first = await reindex(store);
    if (search.method === 'rum') await pool.query(`CREATE INDEX ${RUM_INDEX} ON article_search USING rum (tsv rum_tsvector_ops)`);
    console.log(`${n} articles (${search.method}), filled and indexed in ${((performance.now() - started) / 1000).toFixed(1)} s (the first reindex ${(first.ms / 1000).toFixed(1)} s)`);
    await pool.query('VACUUM ANALYZE');
    const repo = createSearchRepo(pool, search.method);
    for (let run = 1; run <= Number(values.runs); run++) {
      const times: number[] = [];
      let failed = 0;
      let done = false;
      const reader = (async () => {
        while (!done) {
          const at = performance.now();
          try {
            await repo.rank(parsed('天津'), {}, READER, undefined, 21);
            times.push(performance.now() - at);
          } catch {
            failed++;
          }
        }
      })();
      started = performance.now();
      const { articles, ms } = await reindex(store);
      done = true;
      await reader;
      times.sort((a, b) => a - b);
      console.log(
        `  reindex ${run}: ${articles} articles in ${(ms / 1000).toFixed(1)} s; meanwhile ${times.length} searches for 天津, p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, max ${(times[times.length - 1] ?? 0).toFixed(1)} ms, ${failed} failed`,
      );
    }
  } finally {
    await pool.end();
    await store.close();
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  await admin.end();
}
