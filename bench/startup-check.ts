/**
 * What readers see while the start-up quick check runs on SQLite: a server (buildApp on a seeded
 * database file, bench/seed-db.ts, the article cache off so every read reaches the database)
 * answers reader loops asking for articles by random id, first for 5 s with no check running, then while
 * the quick check runs as the store runs it (src/store/sqlite/quick-check.ts), and for comparison
 * while it runs with no pause between tables at the request loop's priority. Prints p50 / p99 /
 * max of the reads and the worst event-loop delay of each phase, and how long each check took.
 *
 * `--cold` drops the file from the operating system's page cache before each phase (GNU dd
 * `iflag=nocache`: this file only), as after a reboot; otherwise the file is as warm as the
 * seeding left it. On a machine shared with other work figures are noisy: the load average is
 * printed with them.
 *
 * `--rounds N` runs the phases N times over, in turn, to tell the check's effect from the machine's noise.
 *
 *   node --import tsx bench/startup-check.ts [--articles 20000] [--readers 4] [--cold] [--rounds 1]
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';
import { openSqliteStore } from '../src/store/sqlite/store.js';
import { QUICK_CHECK, sqliteQuickCheck, type QuickCheckOptions } from '../src/store/sqlite/quick-check.js';
import { ensureDatabase } from './seed-db.js';

const { values } = parseArgs({
  options: {
    articles: { type: 'string', default: '20000' },
    readers: { type: 'string', default: '4' },
    cold: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
  },
});
const articles = Number(values.articles);
const { path } = await ensureDatabase(articles, undefined, false, (line) => console.error(line));
const { store } = openSqliteStore(path, { cacheMiB: 8 });
const app = await buildApp(testConfig({ logLevel: 'warn', articleCacheMb: 0, startupCheck: false }), { store });
await app.listen({ port: 0, host: '127.0.0.1' });
const port = (app.server.address() as { port: number }).port;

const get = (path: string) =>
  new Promise<number>((done, fail) => {
    const started = performance.now();
    request({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => done(performance.now() - started));
    })
      .on('error', fail)
      .end();
  });

/** Reads by random id from `readers` loops, one request at a time each, until `until` settles; their latencies and the worst event-loop delay. */
async function readWhile(until: Promise<unknown>): Promise<{ reads: number[]; loopMaxMs: number }> {
  let going = true;
  void until.finally(() => (going = false));
  const reads: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const reader = async () => {
    while (going) reads.push(await get(`/v1/articles/${1 + Math.floor(Math.random() * articles)}`));
  };
  await Promise.all(Array.from({ length: Number(values.readers) }, reader));
  loop.disable();
  return { reads: reads.sort((a, b) => a - b), loopMaxMs: loop.max / 1e6 };
}

const drop = () => values.cold && execFileSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none']);
const check = async (options: QuickCheckOptions) => {
  const started = performance.now();
  const damage: string[] = [];
  await sqliteQuickCheck(path, options)({ total: () => undefined, checked: (found) => void damage.push(...found) }, new AbortController().signal);
  if (damage.length > 0) throw new Error(`the bench database is damaged: ${damage[0]}`);
  return (performance.now() - started) / 1000;
};

await readWhile(new Promise((resolve) => setTimeout(resolve, 2000)));
const rows: string[] = [];
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
const row = (phase: string, seconds: number, { reads, loopMaxMs }: { reads: number[]; loopMaxMs: number }) =>
  rows.push(`| ${phase} | ${seconds.toFixed(1)} | ${reads.length} | ${pct(reads, 0.5).toFixed(1)} | ${pct(reads, 0.99).toFixed(1)} | ${(reads.at(-1) ?? NaN).toFixed(1)} | ${loopMaxMs.toFixed(0)} |`);

const phases: [string, QuickCheckOptions][] = [
  [`the check as the server runs it (${QUICK_CHECK.pauseMs} ms pauses, nice ${QUICK_CHECK.nice})`, QUICK_CHECK],
  [`${QUICK_CHECK.pauseMs} ms pauses, nice 0`, { ...QUICK_CHECK, nice: 0 }],
  ['no pause, nice 0', { ...QUICK_CHECK, pauseMs: 0, nice: 0 }],
];
for (let round = 1; round <= Number(values.rounds); round++) {
  drop();
  row(`round ${round}: no check running (5 s)`, 5, await readWhile(new Promise((resolve) => setTimeout(resolve, 5000))));
  for (const [phase, options] of phases) {
    drop();
    let took = 0;
    const measured = await readWhile(check(options).then((s) => (took = s)));
    row(`round ${round}: ${phase}`, took, measured);
  }
}

console.log(`${articles} articles, ${(statSync(path).size / 1e9).toFixed(2)} GB, ${values.readers} readers by random id, ${values.cold ? 'cold' : 'warm'} page cache; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| phase | s | reads | p50 ms | p99 ms | max ms | event loop max ms |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const line of rows) console.log(line);
await app.close();
await store.close();
