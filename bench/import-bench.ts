/**
 * Import throughput and memory: generates files of N articles (bench/generate.ts), imports each
 * into a fresh database file through runImport (the code path of POST /v1/import and of
 * `masthead import --database`), with the search index maintained, and reports articles per
 * second and peak RSS. Each import runs in its own process, so its peak RSS is its own.
 *
 * Worker threads prepare the batches (src/transfer/pool.ts), so the process's CPU time is spread
 * over threads: `main CPU s` is the main thread's alone (Linux), the one that writes. On a machine
 * shared with other work, articles per main-thread CPU second is the rate the import would reach
 * with the cores to itself, as long as the workers keep up.
 *
 * `--postgres` imports into a fresh PostgreSQL database instead (`masthead_bench_import_pg` on
 * BENCH_DATABASE_URL, default this project's local server, a superuser so that the rum extension
 * can be made; dropped at the end), with the search index DATABASE_SEARCH_INDEX would choose
 * (`--index auto|gin`); `db size` is then the database's, and CPU the API process's alone (the
 * server's backends are not counted).
 *
 *   node --import tsx bench/import-bench.ts [--articles 50000,200000] [--batch-size 500] [--threads N] [--dir DIR (default bench/.cache)] [--postgres [--index auto|gin]]
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/common/time.js';
import { migrateDatabase, openDatabase } from '../src/store/sqlite/connection.js';
import { createImportDeps } from '../src/transfer/deps.js';
import { runImport } from '../src/transfer/import.js';
import { generate, writeNdjson } from './generate.js';
import { createSqliteStore } from '../src/store/sqlite/store.js';
import pg from 'pg';
import { openPostgresStore } from '../src/store/postgres/store.js';
import type { SearchIndexChoice } from '../src/store/postgres/rum.js';
import type { Store } from '../src/store/port.js';

const PG_BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_NAME = 'masthead_bench_import_pg';

/** seconds is wall-clock; cpuSeconds is this process's user + system time, all threads (a fairer figure on a shared machine). */
type Result = {
  articles: number;
  lines: number;
  seconds: number;
  articlesPerSecond: number;
  cpuSeconds: number;
  articlesPerCpuSecond: number;
  mainCpuSeconds: number | null;
  articlesPerMainCpuSecond: number | null;
  peakRssMb: number;
  failed: number;
  dbMb: number;
};

/** The main thread's own user + system time, from /proc (Linux only); process.cpuUsage() counts every thread. */
function mainThreadCpuSeconds(): number | null {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function ensureFile(dir: string, articles: number): Promise<string> {
  const file = resolve(dir, `import-${articles}.ndjson`);
  if (existsSync(file)) return file;
  // Written under another name first: an interrupted run must not leave a short file to be reused.
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  await writeNdjson(generate({ articles }), out);
  out.end();
  await finished(out);
  renameSync(partial, file);
  return file;
}

/** The database the child imports into, fresh: a SQLite file, or a PostgreSQL database (`index`: its search index choice). */
type Target = { kind: 'sqlite'; path: string } | { kind: 'postgres'; index: SearchIndexChoice };

type Opened = { store: Store; count: () => Promise<number>; sizeMb: () => Promise<number>; close: () => Promise<void> };

async function open(target: Target): Promise<Opened> {
  if (target.kind === 'sqlite') {
    const dbPath = target.path;
    for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
    const db = openDatabase(dbPath);
    migrateDatabase(db);
    return {
      store: createSqliteStore(db),
      count: async () => (db.$client.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }).n,
      sizeMb: async () => Math.round(statSync(dbPath).size / 1e6),
      close: async () => void db.$client.close(),
    };
  }
  const admin = new pg.Client({ connectionString: PG_BASE });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${PG_NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${PG_NAME}`);
  const url = Object.assign(new URL(PG_BASE), { pathname: `/${PG_NAME}` }).toString();
  const { store } = await openPostgresStore(url, { poolSize: 4, statementTimeoutMs: 0, searchIndex: target.index });
  const one = async (sql: string) => (await admin.query<{ n: string }>(sql)).rows[0]!.n;
  return {
    store,
    count: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM articles')).rows[0]!.n);
      } finally {
        await client.end();
      }
    },
    sizeMb: async () => Math.round(Number(await one(`SELECT pg_database_size('${PG_NAME}') AS n`)) / 1e6),
    close: async () => {
      await store.close();
      await admin.query(`DROP DATABASE IF EXISTS ${PG_NAME} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** The child: one import into a fresh database; prints its figures as JSON. */
async function child(file: string, target: Target, batchSize: number, threads: number | undefined): Promise<void> {
  const opened = await open(target);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  sampler.unref();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const mainCpu = mainThreadCpuSeconds();
  const totals = await runImport(
    createImportDeps(opened.store, systemClock),
    createReadStream(file),
    { mode: 'upsert', batchSize, dryRun: false, keyId: null, limits: { maxBytes: Number.MAX_SAFE_INTEGER, maxLineBytes: 5 * 1024 * 1024 }, threads },
    () => {},
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const mainEnd = mainThreadCpuSeconds();
  const mainCpuSeconds = mainCpu === null || mainEnd === null ? null : mainEnd - mainCpu;
  clearInterval(sampler);
  peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  const articles = await opened.count();
  const dbMb = await opened.sizeMb();
  await opened.close();
  const result: Result = {
    articles,
    lines: totals.lines,
    seconds: Number(seconds.toFixed(2)),
    articlesPerSecond: Math.round(articles / seconds),
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    articlesPerCpuSecond: Math.round(articles / cpuSeconds),
    mainCpuSeconds: mainCpuSeconds === null ? null : Number(mainCpuSeconds.toFixed(2)),
    articlesPerMainCpuSecond: mainCpuSeconds === null ? null : Math.round(articles / mainCpuSeconds),
    peakRssMb: Math.round(peak / 1e6),
    failed: totals.failed,
    dbMb,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      articles: { type: 'string', default: '50000,200000' },
      'batch-size': { type: 'string', default: '500' },
      threads: { type: 'string' },
      dir: { type: 'string', default: 'bench/.cache' },
      child: { type: 'string' },
      db: { type: 'string' },
      postgres: { type: 'boolean', default: false },
      index: { type: 'string', default: 'auto' },
    },
  });
  const batchSize = Number(values['batch-size']);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const index = values.index as SearchIndexChoice;
  if (index !== 'auto' && index !== 'gin') throw new Error('--index is auto or gin');
  if (values.child) return child(values.child, values.postgres ? { kind: 'postgres', index } : { kind: 'sqlite', path: values.db! }, batchSize, threads);
  mkdirSync(values.dir!, { recursive: true });
  const rows: Result[] = [];
  for (const n of values.articles!.split(',').map(Number)) {
    const file = await ensureFile(values.dir!, n);
    const dbPath = resolve(values.dir!, `import-${n}.db`);
    const self = new URL(import.meta.url).pathname;
    const args = ['--import', 'tsx', self, '--child', file, '--db', dbPath, '--batch-size', String(batchSize), ...(threads === undefined ? [] : ['--threads', String(threads)]), ...(values.postgres ? ['--postgres', '--index', index] : [])];
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    const result = JSON.parse(out.trim().split('\n').pop()!) as Result;
    rows.push(result);
    const perMain = result.articlesPerMainCpuSecond === null ? '' : `, ${result.articlesPerMainCpuSecond} per main-thread CPU second`;
    process.stderr.write(`${n} articles${values.postgres ? ` (PostgreSQL, --index ${index})` : ''}: ${result.articlesPerSecond} articles/s (${result.articlesPerCpuSecond} per CPU second${perMain}), peak RSS ${result.peakRssMb} MB, ${result.seconds} s\n`);
  }
  console.log('| articles | lines | wall s | articles/s | CPU s | articles/CPU s | main CPU s | articles/main CPU s | peak RSS (MB) | failed lines | db size (MB) |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const main = `${r.mainCpuSeconds ?? '–'} | ${r.articlesPerMainCpuSecond ?? '–'}`;
    console.log(`| ${r.articles} | ${r.lines} | ${r.seconds} | ${r.articlesPerSecond} | ${r.cpuSeconds} | ${r.articlesPerCpuSecond} | ${main} | ${r.peakRssMb} | ${r.failed} | ${r.dbMb} |`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  });
}
