/**
 * Fills a database file with the generator's records through the application's own stores, so
 * sanitising, bodyText, tags, the search index and the change feed are exactly what the API would
 * write (src/stores.ts). Related links are inserted directly (see linkInserter): through the link
 * store they doubled the load time. The import (src/transfer/) could load the same NDJSON, and
 * bench/import-bench.ts measures it; this loader also sets each article's own dates.
 *
 *   node --import tsx bench/seed-db.ts --articles 10000 [--seed 42] [--fresh]
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MIGRATIONS_FOLDER, migrateDatabase, openDatabase, type Db } from '../src/store/sqlite/connection.js';
import { createStores } from '../src/stores.js';
import { DEFAULT_SEED, generate, type ArticleRecord, type ImportRecord } from './generate.js';
import { createSqliteStore } from '../src/store/sqlite/store.js';
import type { Store, Tx } from '../src/store/port.js';

export const CACHE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '.cache');
/** Articles per outer transaction: large enough to amortise the commit, small enough to report progress. */
const BATCH = 2000;
/** Creation times are taken from the content (publishing date), capped at the generator's archive end. */
const ARCHIVE_END = Date.UTC(2026, 10, 1);

export type SeedStats = { articles: number; links: number; seconds: number; articlesPerSecond: number; seed: number; builtAt: string; migrations: string };

/**
 * A hash of the migration files: a cached database built under other migrations is rebuilt, since
 * an edited migration that was already applied would never run on it again.
 */
export function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(MIGRATIONS_FOLDER, { recursive: true }).map(String).sort()) {
    if (name.endsWith('.sql') || name.endsWith('.json')) hash.update(name).update(readFileSync(join(MIGRATIONS_FOLDER, name)));
  }
  return hash.digest('hex').slice(0, 16);
}

export const cachedDbPath = (articles: number, seed: number) =>
  join(CACHE_DIR, seed === DEFAULT_SEED ? `bench-${articles}.db` : `bench-${articles}-s${seed}.db`);
const statsPath = (dbPath: string) => dbPath.replace(/\.db$/, '.json');

/** A clock the loader moves to each record's own date, so createdAt/updatedAt look like an archive's. */
function settableClock() {
  let now = ARCHIVE_END;
  const clock = () => now;
  return { clock, set: (ms: number) => void (now = Math.min(ms, ARCHIVE_END)) };
}

/** The server's own wiring (search index, change feed, outbox): see src/stores.ts. */
function storesFor(store: Store, clock: () => number) {
  const { sections, sources, articles } = createStores(store, clock);
  return { sections, sources, articles };
}

/**
 * Runs `work` in units of work of BATCH items each (the services write inside the caller's unit),
 * which saves a commit (and a WAL append) per article.
 */
async function batched<T>(store: Store, items: Iterable<T>, work: (item: T, tx: Tx) => Promise<boolean>, done: (count: number) => void): Promise<void> {
  const it = items[Symbol.iterator]();
  let count = 0;
  for (let more = true; more; ) {
    await store.write(async (tx) => {
      for (;;) {
        const next = it.next();
        if (next.done) return void (more = false);
        if ((await work(next.value, tx)) && ++count % BATCH === 0) return;
      }
    });
    if (more) done(count);
  }
}

type Ids = { sections: Map<string, number>; sources: Map<string, number>; articles: Map<string, number> };
type Stores = ReturnType<typeof storesFor>;

async function loadArticle(stores: Stores, ids: Ids, time: ReturnType<typeof settableClock>, a: ArticleRecord, tx: Tx) {
  const published = a.publishedAt === null ? null : Date.parse(a.publishedAt);
  time.set(published ?? (a.deletedAt ? Date.parse(a.deletedAt) - 86_400_000 : ARCHIVE_END));
  const row = await stores.articles.create(
    {
      slug: a.slug,
      title: a.title,
      subtitle: a.subtitle,
      summary: a.summary,
      body: a.body,
      byline: a.byline,
      sectionId: ids.sections.get(a.section)!,
      sourceId: a.source === null ? null : ids.sources.get(a.source)!,
      sourceUrl: a.sourceUrl,
      tags: a.tags,
      coverImageUrl: a.coverImageUrl,
      status: a.status,
      publishedAt: a.publishedAt,
      externalId: a.externalId,
    },
    null,
    { tx },
  );
  ids.articles.set(a.externalId, row.id);
  if (a.deletedAt !== null) {
    time.set(Date.parse(a.deletedAt));
    await stores.articles.trash(row.id, undefined, null, { tx });
  }
}

/**
 * Links come second: their targets may appear later in the file (as in the import format). They
 * are inserted with one prepared statement rather than through the link store: the store adds
 * nothing here (no listener, targets known to exist) and its five queries per link made this
 * phase take longer than the articles themselves.
 */
function linkInserter(db: Db, clock: () => number) {
  const insert = db.$client.prepare(
    'INSERT INTO related_links (article_id, position, target_article_id, url, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const createdAt = db.$client.prepare('SELECT created_at AS t FROM articles WHERE id = ?').pluck();
  return (ids: Ids, a: Pick<ArticleRecord, 'externalId' | 'relatedLinks'>): number => {
    const articleId = ids.articles.get(a.externalId)!;
    const at = (createdAt.get(articleId) as number | undefined) ?? clock();
    a.relatedLinks.forEach((link, position) => {
      if ('externalId' in link) insert.run(articleId, position, ids.articles.get(link.externalId)!, null, null, at, at);
      else insert.run(articleId, position, null, link.url, link.title, at, at);
    });
    return a.relatedLinks.length;
  };
}

async function loadRecord(stores: Stores, ids: Ids, time: ReturnType<typeof settableClock>, record: ImportRecord, tx: Tx) {
  time.set(Date.UTC(2021, 9, 1));
  if (record.type === 'section') {
    const parentId = record.parent === null ? null : ids.sections.get(record.parent)!;
    const row = await stores.sections.create({ slug: record.slug, name: record.name, description: record.description, position: record.position, parentId }, tx);
    ids.sections.set(record.slug, row.id);
  } else if (record.type === 'source') {
    const row = await stores.sources.create({ slug: record.slug, name: record.name, url: record.url, kind: record.kind }, tx);
    ids.sources.set(record.slug, row.id);
  }
}

/** Builds a fresh database at `path` (overwriting it) from N generated articles. */
export async function seedDatabase(path: string, articles: number, seed = DEFAULT_SEED, log: (line: string) => void = () => {}): Promise<SeedStats> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const db = openDatabase(path);
  migrateDatabase(db);
  // Bulk load: a crash only loses a cache file, so durability can wait for the final checkpoint.
  db.$client.pragma('synchronous = OFF');
  db.$client.pragma('cache_size = -131072');
  const started = performance.now();
  const time = settableClock();
  const store = createSqliteStore(db);
  const stores = storesFor(store, time.clock);
  const ids: Ids = { sections: new Map(), sources: new Map(), articles: new Map() };
  const progress = (what: string) => (n: number) => log(`  ${what} ${n}/${articles}, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  // Only the link lists are kept for the second pass: the bodies would cost a gigabyte at 100k.
  const linkLists: Pick<ArticleRecord, 'externalId' | 'relatedLinks'>[] = [];
  await batched(
    store,
    generate({ articles, seed }),
    async (r, tx) => {
      if (r.type !== 'article') return loadRecord(stores, ids, time, r, tx).then(() => false);
      await loadArticle(stores, ids, time, r, tx);
      linkLists.push({ externalId: r.externalId, relatedLinks: r.relatedLinks });
      return true;
    },
    progress('articles'),
  );
  let links = 0;
  const loadLinks = linkInserter(db, time.clock);
  await batched(
    store,
    linkLists,
    async (a) => {
      links += loadLinks(ids, a);
      return true;
    },
    progress('related links of'),
  );
  db.$client.prepare("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')").run();
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
  db.$client.close();
  const seconds = (performance.now() - started) / 1000;
  return { articles, links, seconds, articlesPerSecond: articles / seconds, seed, builtAt: new Date().toISOString(), migrations: migrationsHash() };
}

/** The cached database for (N, seed), built when missing or when `fresh`; written under a temporary name first. */
export async function ensureDatabase(articles: number, seed = DEFAULT_SEED, fresh = false, log: (line: string) => void = () => {}) {
  const path = cachedDbPath(articles, seed);
  const cached = !fresh && existsSync(path) && existsSync(statsPath(path)) ? (JSON.parse(readFileSync(statsPath(path), 'utf8')) as SeedStats) : null;
  if (cached && cached.migrations === migrationsHash()) return { path, built: false, stats: cached };
  if (cached) log(`${path} was built under other migrations: rebuilding`);
  mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = `${path}.tmp`;
  log(`seeding ${articles} articles (seed ${seed}) into ${path}`);
  const stats = await seedDatabase(tmp, articles, seed, log);
  renameSync(tmp, path);
  writeFileSync(statsPath(path), JSON.stringify(stats, null, 2));
  log(`seeded in ${stats.seconds.toFixed(1)} s (${stats.articlesPerSecond.toFixed(0)} articles/s through the stores, ${stats.links} related links)`);
  return { path, built: true, stats };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { articles: { type: 'string', default: '10000' }, seed: { type: 'string' }, fresh: { type: 'boolean', default: false } } });
  ensureDatabase(Number(values.articles), values.seed === undefined ? DEFAULT_SEED : Number(values.seed), values.fresh, (l) => console.error(l)).catch((error: Error) => {
    console.error(error.stack ?? error.message);
    process.exitCode = 1;
  });
}
