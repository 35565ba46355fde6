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
 *   node --import tsx bench/import-bench.ts [--articles 50000,200000] [--batch-size 500] [--threads N] [--dir DIR (default bench/.cache)]
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

/** The child: one import into a fresh file database; prints its figures as JSON. */
async function child(file: string, dbPath: string, batchSize: number, threads: number | undefined): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  const db = openDatabase(dbPath);
  migrateDatabase(db);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  sampler.unref();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const mainCpu = mainThreadCpuSeconds();
  const totals = await runImport(
    createImportDeps(createSqliteStore(db), systemClock),
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
  const articles = (db.$client.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }).n;
  db.$client.close();
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
    dbMb: Math.round(statSync(dbPath).size / 1e6),
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
    },
  });
  const batchSize = Number(values['batch-size']);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (values.child) return child(values.child, values.db!, batchSize, threads);
  mkdirSync(values.dir!, { recursive: true });
  const rows: Result[] = [];
  for (const n of values.articles!.split(',').map(Number)) {
    const file = await ensureFile(values.dir!, n);
    const dbPath = resolve(values.dir!, `import-${n}.db`);
    const self = new URL(import.meta.url).pathname;
    const args = ['--import', 'tsx', self, '--child', file, '--db', dbPath, '--batch-size', String(batchSize), ...(threads === undefined ? [] : ['--threads', String(threads)])];
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    const result = JSON.parse(out.trim().split('\n').pop()!) as Result;
    rows.push(result);
    const perMain = result.articlesPerMainCpuSecond === null ? '' : `, ${result.articlesPerMainCpuSecond} per main-thread CPU second`;
    process.stderr.write(`${n} articles: ${result.articlesPerSecond} articles/s (${result.articlesPerCpuSecond} per CPU second${perMain}), peak RSS ${result.peakRssMb} MB, ${result.seconds} s\n`);
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
