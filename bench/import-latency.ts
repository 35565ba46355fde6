/**
 * What readers see while an import runs: a server (buildApp on a database file, as production)
 * takes a POST /v1/import of N generated articles (bench/generate.ts) while reader loops ask, one
 * request at a time each, for /healthz, an article by id, the home list, a search and a page of the
 * change feed. Prints p50 / p99 / max latency per kind, and the worst event-loop delay.
 *
 * `--postgres` runs it on a fresh PostgreSQL database (`masthead_bench_import_latency` at
 * BENCH_DATABASE_URL, default this project's local server; dropped at the end), where the import
 * runs on the request loop and waits for PostgreSQL between statements.
 *
 * `--in-process` runs the import on the request loop, as before imports had a thread of their own
 * (any clock other than the system clock keeps it there; see app.ts), for the figures before.
 * On a machine shared with other work figures are noisy: the load average is printed with them.
 *
 *   node --import tsx bench/import-latency.ts [--articles 20000] [--readers 8] [--batch-size 500] [--in-process] [--postgres] [--dir bench/.cache]
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';
import { migrateDatabase, openDatabase } from '../src/store/sqlite/connection.js';
import { createSqliteStore } from '../src/store/sqlite/store.js';
import { openPostgresStore } from '../src/store/postgres/store.js';
import type { Store } from '../src/store/port.js';
import pg from 'pg';
import { createKeyService } from '../src/keys/service.js';
import { generate, writeNdjson } from './generate.js';

const { values } = parseArgs({
  options: {
    articles: { type: 'string', default: '20000' },
    readers: { type: 'string', default: '8' },
    'batch-size': { type: 'string', default: '500' },
    'in-process': { type: 'boolean', default: false },
    postgres: { type: 'boolean', default: false },
    dir: { type: 'string', default: 'bench/.cache' },
  },
});
const articles = Number(values.articles);
const dir = values.dir!;
mkdirSync(dir, { recursive: true });
const file = resolve(dir, `import-${articles}.ndjson`);
if (!existsSync(file)) {
  const out = createWriteStream(`${file}.partial`);
  await writeNdjson(generate({ articles }), out);
  out.end();
  await finished(out);
  (await import('node:fs')).renameSync(`${file}.partial`, file);
}
const clock = values['in-process'] ? () => Date.now() : undefined;
const PG_NAME = 'masthead_bench_import_latency';
const pgBase = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const pgAdmin = async (sql: string) => {
  const client = new pg.Client({ connectionString: pgBase });
  await client.connect();
  await client.query(sql).finally(() => client.end());
};
async function openBenchStore(): Promise<Store> {
  if (values.postgres) {
    await pgAdmin(`DROP DATABASE IF EXISTS ${PG_NAME} WITH (FORCE)`);
    await pgAdmin(`CREATE DATABASE ${PG_NAME}`);
    return (await openPostgresStore(Object.assign(new URL(pgBase), { pathname: `/${PG_NAME}` }).toString())).store;
  }
  const dbPath = resolve(dir, 'import-latency.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  const db = openDatabase(dbPath, { cacheMiB: 8 });
  migrateDatabase(db);
  return createSqliteStore(db, openDatabase(dbPath, { cacheMiB: 8, readonly: true }));
}
const store = await openBenchStore();
const app = await buildApp(testConfig({ logLevel: 'warn' } as never), { store, clock });
await app.listen({ port: 0, host: '127.0.0.1' });
const port = (app.server.address() as { port: number }).port;
const key = await createKeyService(store, Date.now).create({ name: 'bench', scope: 'write' });
const auth = { authorization: `Bearer ${key.secret}` };

const get = (path: string, headers: Record<string, string> = {}) =>
  new Promise<number>((done, fail) => {
    const started = performance.now();
    request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => done(performance.now() - started));
    })
      .on('error', fail)
      .end();
  });

const KINDS: Record<string, (i: number) => [string, Record<string, string>?]> = {
  healthz: () => ['/healthz'],
  'article by id': (i) => [`/v1/articles/${1 + (i % 2000)}`],
  'home list': () => ['/v1/articles?limit=20'],
  search: (i) => [`/v1/search?q=${encodeURIComponent(['天津', '经济', '高质量发展', '文化'][i % 4]!)}`],
  'change feed': () => ['/v1/changes?limit=100', auth],
};
const latencies = new Map<string, number[]>(Object.keys(KINDS).map((k) => [k, []]));
let importing = true;
async function reader(n: number): Promise<void> {
  const kinds = Object.keys(KINDS);
  for (let i = n; importing; i++) {
    const kind = kinds[i % kinds.length]!;
    const [path, headers] = KINDS[kind]!(i);
    latencies.get(kind)!.push(await get(path, headers));
  }
}

const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
const started = performance.now();
const readers = Array.from({ length: Number(values.readers) }, (_, n) => reader(n));
const summary = await new Promise<string>((done, fail) => {
  const req = request(
    {
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: `/v1/import?batchSize=${values['batch-size']}`,
      headers: { ...auth, 'content-type': 'application/x-ndjson', 'content-length': statSync(file).size },
    },
    (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => done(`${res.statusCode} ${text.slice(0, 120)}`));
    },
  );
  req.on('error', fail);
  createReadStream(file).pipe(req);
});
importing = false;
await Promise.all(readers);
loop.disable();
const seconds = (performance.now() - started) / 1000;

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
const where = values.postgres ? 'on PostgreSQL, on the request loop' : values['in-process'] ? 'on the request loop' : 'on its own thread';
console.log(`import of ${articles} articles ${where}: ${seconds.toFixed(1)} s; ${summary}`);
console.log(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}; worst event-loop delay ${(loop.max / 1e6).toFixed(0)} ms`);
console.log('| request | n | p50 ms | p99 ms | max ms |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [kind, xs] of latencies) {
  xs.sort((a, b) => a - b);
  console.log(`| ${kind} | ${xs.length} | ${pct(xs, 0.5).toFixed(1)} | ${pct(xs, 0.99).toFixed(1)} | ${(xs.at(-1) ?? NaN).toFixed(1)} |`);
}
await app.close();
await store.close();
if (values.postgres) await pgAdmin(`DROP DATABASE IF EXISTS ${PG_NAME} WITH (FORCE)`);
