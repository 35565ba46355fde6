/**
 * The least PostgreSQL's backend spends on an imported article: imports N generated articles into
 * a fresh database (runImport, as bench/import-bench.ts --postgres), then copies each table's rows
 * into an empty table with the same indexes and storage in one `INSERT … SELECT` on the server: no
 * client, no round trips, no statements per row, only the rows and their index upkeep. Prints ms
 * per article for each table and in all, to set against SQLite's whole import per article
 * (docs/performance.md, "Imports on PostgreSQL"). BENCH_DATABASE_URL as for the other PostgreSQL
 * benches (a superuser: the rum extension); the database is dropped at the end.
 *
 *   node --import tsx bench/import-floor-pg.ts [N, default 2000]
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import { systemClock } from '../src/common/time.js';
import { openPostgresStore } from '../src/store/postgres/store.js';
import { createImportDeps } from '../src/transfer/deps.js';
import { runImport } from '../src/transfer/import.js';
import { generate, writeNdjson } from './generate.js';

const BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = 'masthead_bench_import_floor_pg';
const TABLES = ['articles', 'article_search', 'article_tags', 'related_links', 'change_events'];
const N = Number(process.argv[2] ?? 2000);

const dir = await mkdtemp(join(tmpdir(), 'masthead-floor-'));
const file = join(dir, 'import.ndjson');
const out = createWriteStream(file);
await writeNdjson(generate({ articles: N }), out);
out.end();
await finished(out);

const admin = new pg.Client({ connectionString: BASE });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${NAME}`);
const url = Object.assign(new URL(BASE), { pathname: `/${NAME}` }).toString();
try {
  const { store, search } = await openPostgresStore(url, { poolSize: 2, statementTimeoutMs: 0 });
  const t0 = performance.now();
  const totals = await runImport(
    createImportDeps(store, systemClock),
    createReadStream(file),
    { mode: 'upsert', batchSize: 500, dryRun: false, keyId: null, limits: { maxBytes: Number.MAX_SAFE_INTEGER, maxLineBytes: 5 << 20 } },
    () => {},
  );
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  console.log(`imported ${N} articles (${totals.lines} lines) in ${seconds.toFixed(1)} s (${Math.round(N / seconds)} articles/s; search ranks with ${search.method})`);

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let all = 0;
  console.log('| table | rows | ms | ms per article |\n| --- | ---: | ---: | ---: |');
  for (const table of TABLES) {
    await client.query(`CREATE TABLE floor_${table} (LIKE ${table} INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING STORAGE)`);
    const rows = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    const started = performance.now();
    await client.query(`INSERT INTO floor_${table} SELECT * FROM ${table}`);
    const ms = performance.now() - started;
    all += ms;
    console.log(`| ${table} | ${rows} | ${ms.toFixed(0)} | ${(ms / N).toFixed(3)} |`);
  }
  console.log(`| all | | ${all.toFixed(0)} | ${(all / N).toFixed(3)} (${Math.round(N / (all / 1000))} articles/s) |`);
  await client.end();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  await admin.end();
  await rm(dir, { recursive: true, force: true });
}
