/**
 * Search latency at scale: fills a database file with N generated articles (bench/generate.ts)
 * through plain SQL, builds the search index as `masthead reindex` does, and times the search
 * store (first page of 20, as an anonymous reader) for a 2-character query, a 4-character word and
 * a two-word query, uncached (the query itself) and through the exact cache the server uses. The
 * filled database is kept in bench/.cache/ (the generator is deterministic).
 *
 *   node --import tsx bench/search-bench.ts [--articles 10000,100000] [--runs 300]
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { htmlToText } from '../src/articles/html.js';
import type { Viewer } from '../src/articles/visibility.js';
import { migrateDatabase, openDatabase, type Db } from '../src/store/sqlite/connection.js';
import { reindex } from '../src/search/index.js';
import { parseSearchQuery } from '../src/search/query.js';
import { ftsMatch } from '../src/store/sqlite/fts.js';
import { createSqliteStore } from '../src/store/sqlite/store.js';
import { SEARCH_POOL } from '../src/store/sqlite/search-pool.js';
import { createSearchStore } from '../src/search/store.js';
import { generate, type ArticleRecord } from './generate.js';

const QUERIES = ['天津', '高质量发展', '乡村振兴', '天津 经济'];
const CACHE = new URL('./.cache/', import.meta.url).pathname;

function fill(db: Db, n: number): void {
  const sqlite = db.$client;
  const section = sqlite.prepare('INSERT INTO sections (slug, name, description, parent_id, position, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id');
  const source = sqlite.prepare('INSERT INTO sources (slug, name, url, kind, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id');
  const article = sqlite.prepare(
    `INSERT INTO articles (slug, title, subtitle, summary, body, body_text, byline, section_id, source_id, source_url, tags,
       cover_image_url, status, published_at, external_id, deleted_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  const tag = sqlite.prepare('INSERT OR IGNORE INTO article_tags (article_id, tag) VALUES (?, ?)');
  const sections = new Map<string, number>();
  const sources = new Map<string, number>();
  const now = Date.now();
  const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  const insertArticle = (a: ArticleRecord) => {
    const { id } = article.get(
      a.slug, a.title, a.subtitle, a.summary, a.body, htmlToText(a.body), a.byline, sections.get(a.section)!,
      a.source === null ? null : sources.get(a.source)!, a.sourceUrl, JSON.stringify(a.tags), a.coverImageUrl, a.status,
      ms(a.publishedAt), a.externalId, ms(a.deletedAt), now, now,
    ) as { id: number };
    for (const t of a.tags) tag.run(id, t);
  };
  let batch: ArticleRecord[] = [];
  const flush = sqlite.transaction(() => {
    batch.forEach(insertArticle);
    batch = [];
  });
  for (const r of generate({ articles: n })) {
    if (r.type === 'section') {
      const row = section.get(r.slug, r.name, r.description, r.parent === null ? null : sections.get(r.parent)!, r.position, now, now) as { id: number };
      sections.set(r.slug, row.id);
    } else if (r.type === 'source') {
      sources.set(r.slug, (source.get(r.slug, r.name, r.url, r.kind, now, now) as { id: number }).id);
    } else {
      batch.push(r);
      if (batch.length === 5000) flush();
    }
  }
  flush();
}

/** The database for n articles, from the cache when it is there. */
async function database(n: number): Promise<Db> {
  mkdirSync(CACHE, { recursive: true });
  const path = `${CACHE}search-${n}.db`;
  if (existsSync(path)) return openDatabase(path);
  const tmp = `${path}.tmp`;
  rmSync(tmp, { force: true });
  const db = openDatabase(tmp);
  migrateDatabase(db);
  const started = performance.now();
  fill(db, n);
  console.log(`  filled ${n} articles in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const { articles, ms } = await reindex(createSqliteStore(db));
  console.log(`  indexed ${articles} articles in ${(ms / 1000).toFixed(1)} s`);
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
  db.$client.close();
  rmSync(`${tmp}-wal`, { force: true });
  rmSync(`${tmp}-shm`, { force: true });
  rmSync(path, { force: true });
  renameSync(tmp, path);
  return openDatabase(path);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Wall-clock percentiles and CPU time per call of `run`, repeated `runs` times after a warm-up. */
async function time(run: () => Promise<unknown>, runs: number) {
  for (let i = 0; i < 10; i++) await run();
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  const { user, system } = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), cpu: (user + system) / 1000 / runs };
}

async function measure(db: Db, runs: number) {
  // On the loop, not on the server's search thread: the query itself, not the hop to a thread and back.
  const port = createSqliteStore(db, db, { search: { ...SEARCH_POOL, threads: 0 } });
  const store = createSearchStore(port);
  // What the server runs: the same store with its exact cache; nothing writes here, so every call after the first is a hit.
  const cached = createSearchStore(port, { cacheSize: 500 });
  const reader: Viewer = { editor: false, now: Date.parse('2026-11-27T00:00:00Z'), keyId: null, sectionIds: null, sourceIds: null };
  const sizes = db.$client
    .prepare(`SELECT (SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%') AS fts, (SELECT sum(pgsize) FROM dbstat) AS total`)
    .get() as { fts: number; total: number };
  console.log(`  database ${(sizes.total / 2 ** 20).toFixed(0)} MiB, of which the search index ${(sizes.fts / 2 ** 20).toFixed(0)} MiB`);
  console.log('  | query | matching rows | uncached p50 | p99 | CPU per query | cached p50 | CPU per query |');
  console.log('  | --- | --- | --- | --- | --- | --- | --- |');
  for (const q of QUERIES) {
    const parsed = parseSearchQuery(q);
    if ('error' in parsed) throw new Error(parsed.error);
    const { n } = db.$client.prepare('SELECT count(*) AS n FROM articles_fts WHERE articles_fts MATCH ?').get(ftsMatch(parsed.query)) as { n: number };
    const cold = await time(() => store.search({ q, limit: 20 }, reader), runs);
    const hot = await time(() => cached.search({ q, limit: 20 }, reader), runs * 10);
    const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
    console.log(`  | ${q} | ${n} | ${cold.p50.toFixed(1)} ms | ${cold.p99.toFixed(1)} ms | ${cold.cpu.toFixed(1)} ms | ${us(hot.p50)} | ${us(hot.cpu)} |`);
  }
}

const { values } = parseArgs({ options: { articles: { type: 'string', default: '10000,100000' }, runs: { type: 'string', default: '300' } } });
for (const n of values.articles!.split(',').map(Number)) {
  console.log(`\n${n} articles`);
  const db = await database(n);
  await measure(db, Number(values.runs));
  db.$client.close();
}
