// SQLite-specific: the benchmark seeds a SQLite file; it counts the FTS5 rows next to the articles.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { formatTable, renderSvg, writeResults, type BenchRun } from '../../bench/report.js';
import { runBench, startBareServer, stopChild } from '../../bench/run.js';
import { SCENARIOS, type Scenario } from '../../bench/scenarios.js';
import { seedDatabase } from '../../bench/seed-db.js';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { createKeyService } from '../../src/keys/service.js';
import { systemClock } from '../../src/common/time.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';

/** The bench machinery end to end on 200 articles, against buildApp in this process: fast, not a measurement. */
t.test('bench runs its scenarios on a 200-article dataset and produces numbers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'masthead-smoke-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const stats = await seedDatabase(join(dir, 'bench.db'), 200, 42);
  t.equal(stats.articles, 200);
  t.ok(stats.links >= 600, 'related links loaded (3–8 per article)');

  const db = openDatabase(join(dir, 'bench.db'));
  migrateDatabase(db);
  const counts = db.$client.prepare('SELECT (SELECT count(*) FROM articles) AS a, (SELECT count(*) FROM articles_fts) AS f').get() as { a: number; f: number };
  t.same(counts, { a: 200, f: 200 }, 'every article is in the search index (written by the store listener)');
  const store = createSqliteStore(db);
  const admin = await createKeyService(store, systemClock).create({ name: 'bench', scope: 'admin' });
  const app = await buildApp(testConfig(), { store });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const bare = await startBareServer();
  t.teardown(async () => {
    await stopChild(bare.child);
    await app.close();
    await store.close();
  });

  // Must come out flagged, not as fast scenarios: a missing article (caught by the probe before the
  // load), and a pool where half the ids are missing (caught only under load).
  const broken: Scenario = { key: 'broken', title: 'missing article', request: () => ({ path: '/v1/articles/999999999' }) };
  const mixed: Scenario = { key: 'mixed', title: 'half missing', request: (c) => ({ paths: [`/v1/articles/${c.ids[0]}`, '/v1/articles/999999999'] }) };
  const scenarios = [...SCENARIOS.filter((s) => s.smoke), broken, mixed];
  const result = await runBench({
    base,
    bareUrl: bare.url,
    adminKey: admin.secret,
    scenarios,
    options: { connections: 1, durationS: 0.5, warmupS: 0 },
    serverPid: process.pid,
    deepPages: 3,
  });

  t.ok(result.bare.rps > 0, 'the bare route answered');
  t.ok(result.serverRssPeakMb > 10, 'server RSS was sampled');
  for (const r of result.scenarios.filter((s) => s.key !== 'broken' && s.key !== 'mixed')) {
    t.notOk('skipped' in r, `${r.key} ran`);
    if ('skipped' in r) continue;
    t.ok(r.rps > 0 && r.requests > 0, `${r.key}: ${r.rps.toFixed(0)} requests/s`);
    t.equal(r.errors + r.unexpectedStatus, 0, `${r.key}: no errors, every answer had the expected status`);
    t.notOk(r.flagged, `${r.key} not flagged`);
    t.ok(r.ratio > 0 && r.p99 >= r.p50, `${r.key}: ratio and latencies`);
  }
  const failed = result.scenarios.find((s) => s.key === 'broken');
  t.match(failed, { flagged: true, skipped: /answered 404, not 200/ }, 'a scenario answering 404 is flagged and not measured');
  const half = result.scenarios.find((s) => s.key === 'mixed');
  t.ok(half && !('skipped' in half) && half.flagged && half.unexpectedStatus > 0 && half.requests > 0, 'errors under load flag the scenario');

  const run: BenchRun = {
    date: new Date().toISOString(),
    articles: 200,
    seed: 42,
    options: { connections: 1, durationS: 0.5, warmupS: 0 },
    machine: { cpu: 'test', cores: 1, node: process.version, loadavg: [0], loadavgBefore: 0 },
    seedStats: stats,
    notYetMeasured: [],
    ...result,
  };
  const table = formatTable(run);
  t.comment(table);
  for (const s of scenarios) t.match(table, s.title, `table lists ${s.key}`);
  t.match(table, /⚠ errors or unexpected statuses in: broken, mixed/);
  const svg = renderSvg(run);
  t.equal(svg.match(/<rect x=/g)?.length, scenarios.length - 1, 'one bar per measured scenario');
  t.match(svg, /missing article<\/text>\n<text [^>]*>not measured/, 'the unmeasured scenario is named in the chart');
  writeResults(run, dir);
  const json = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'));
  t.equal(json.scenarios.length, scenarios.length);
  t.type(json.budgets.serverRss.pass, 'boolean');
  t.match(readFileSync(join(dir, 'latest.svg'), 'utf8'), /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
});
