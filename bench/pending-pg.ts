/**
 * Searches while search entries are pending (src/store/postgres/fold.ts): fills a fresh PostgreSQL
 * database with N generated articles (bench/fill-pg.ts) and its index, then times the first page
 * of 20 for three terms with none pending, with every entry pending, during the compaction that
 * takes them all in, and after it. BENCH_DATABASE_URL as for the other PostgreSQL benches (a
 * superuser: the rum extension); the database is dropped at the end.
 *
 *   node --import tsx bench/pending-pg.ts [N, default 20000]
 */
import pg from 'pg';
import { reindex } from '../src/search/index.js';
import { parseSearchQuery } from '../src/search/query.js';
import { openPostgresStore } from '../src/store/postgres/store.js';
import { createPool } from '../src/store/postgres/connection.js';
import { createSearchRepo } from '../src/store/postgres/search.js';
import { fillPostgres } from './fill-pg.js';
import { compactSearchIndex } from '../src/store/postgres/reindex.js';
const BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = 'masthead_bench_pending_pg';
const url = Object.assign(new URL(BASE), { pathname: `/${NAME}` }).toString();
const admin = new pg.Client({ connectionString: BASE }); await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`); await admin.query(`CREATE DATABASE ${NAME}`);
const { store } = await openPostgresStore(url, { poolSize: 4, statementTimeoutMs: 0 });
const pool = createPool(url, { poolSize: 2, statementTimeoutMs: 0 });
const N = Number(process.argv[2] ?? 20000);
let t0 = performance.now();
await fillPostgres(pool, N);
await pool.query('DROP INDEX article_search_tsv_rum');
await reindex(store);
await pool.query(`CREATE INDEX article_search_tsv_rum ON article_search USING rum (tsv rum_tsvector_ops) WHERE NOT pending`);
await pool.query('VACUUM ANALYZE');
console.log('filled', N, ((performance.now() - t0) / 1000).toFixed(1), 's');
const READER = { editor: false, now: Date.parse('2026-11-27T00:00:00Z'), sectionIds: null, sourceIds: null };
const repo = createSearchRepo(pool, 'rum');
const q = (s: string) => { const p = parseSearchQuery(s); if ('error' in p) throw new Error(p.error); return p.query; };
async function time(label: string) {
  for (const term of ['天津', '新闻', '经济']) {
    const ts: number[] = [];
    for (let i = 0; i < 15; i++) { const a = performance.now(); await repo.rank(q(term), {}, READER, undefined, 21); ts.push(performance.now() - a); }
    ts.sort((a, b) => a - b);
    console.log(label, term, 'p50', ts[7]!.toFixed(1), 'max', ts[14]!.toFixed(1));
  }
}
await time('all folded');
t0 = performance.now();
await pool.query(`UPDATE article_search SET pending = true WHERE article_id % 10 = 0`);
await pool.query('ANALYZE article_search');
console.log('10% pending made in', ((performance.now() - t0) / 1000).toFixed(1));
await time('10% pending');
await pool.query(`UPDATE article_search SET pending = true`);
await pool.query('ANALYZE article_search');
await time('all pending');
t0 = performance.now();
let done = false; const lat: number[] = [];
const reader = (async () => { while (!done) { const a = performance.now(); await repo.rank(q('经济'), {}, READER, undefined, 21); lat.push(performance.now() - a); } })();
await compactSearchIndex(pool);
done = true; await reader; lat.sort((a, b) => a - b);
console.log('searches during compaction', lat.length, 'p50', lat[lat.length >> 1]?.toFixed(1), 'max', lat[lat.length - 1]?.toFixed(1));
console.log('compaction s', ((performance.now() - t0) / 1000).toFixed(1), (await pool.query('select count(*) filter (where pending) p from article_search')).rows);
await time('after the compaction');
await pool.end(); await store.close();
await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`); await admin.end();
