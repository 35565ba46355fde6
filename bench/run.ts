/**
 * `npm run bench [-- --quick | --articles N --duration S --connections C --fresh --compare --no-caches]`:
 * builds, seeds (or reuses) a cached database, starts the server as in production and a bare
 * fastify route beside it, and measures every scenario of bench/scenarios.ts with autocannon.
 * The measuring core (runBench) takes base URLs, so the smoke test runs it against buildApp.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED } from './generate.js';
import { formatComparison, formatTable, writeResults, type BenchRun, type Measured, type ScenarioResult } from './report.js';
import { NOT_YET_MEASURED, SCENARIOS, discoverContext, routeExists, type BenchContext, type Scenario, type ScenarioRequest } from './scenarios.js';
import { ensureDatabase, type SeedStats } from './seed-db.js';
import { mulberry32 } from './text.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The slice of autocannon's API used here (it ships no types). */
type CannonRequest = { method: 'GET'; path?: string; headers?: Record<string, string>; setupRequest?: (r: { path: string }) => { path: string } };
type CannonResult = {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
};
const autocannon = createRequire(import.meta.url)('autocannon') as (o: {
  url: string;
  connections: number;
  duration: number;
  requests: CannonRequest[];
}) => Promise<CannonResult>;

export type BenchOptions = { connections: number; durationS: number; warmupS: number };

/** A small fastify server answering a fixed JSON object: the ceiling every scenario is compared with. */
export const BARE_SERVER_SOURCE = `
import Fastify from 'fastify';
const app = Fastify({ logger: false });
app.get('/bare', async () => ({ hello: 'world', id: 1, ok: true }));
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(JSON.stringify({ port: app.server.address().port }) + '\\n');
`;

function cannonRequests(req: ScenarioRequest, random: () => number): CannonRequest[] {
  if ('path' in req) return [{ method: 'GET', path: req.path, headers: req.headers }];
  const { paths } = req;
  // A fresh path for every request, drawn from the pool: spreads reads over the archive.
  return [{ method: 'GET', headers: req.headers, setupRequest: (r) => ({ ...r, path: paths[Math.floor(random() * paths.length)]! }) }];
}

/** Warm-up (discarded), then the measured run; answers other than the expected status count as errors. */
async function measure(url: string, requests: CannonRequest[], opts: BenchOptions, expectStatus = 200): Promise<Measured> {
  if (opts.warmupS > 0) await autocannon({ url, connections: opts.connections, duration: opts.warmupS, requests });
  const r = await autocannon({ url, connections: opts.connections, duration: opts.durationS, requests });
  const answered = Object.values(r.statusCodeStats).reduce((n, s) => n + s.count, 0);
  const expected = r.statusCodeStats[String(expectStatus)]?.count ?? 0;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, errors: r.errors + r.timeouts, unexpectedStatus: answered - expected };
}

/** Samples a process's resident memory (Linux /proc) while the scenarios run; returns the peak in MB. */
export function rssSampler(pid: number) {
  let peakKb = 0;
  const status = () => {
    try {
      return readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      return ''; // the process has exited: keep the peak seen so far
    }
  };
  const read = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status())?.[1] ?? 0);
  const timer = setInterval(() => (peakKb = Math.max(peakKb, read('VmRSS'))), 250);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peakKb, read('VmHWM')) / 1024;
    },
  };
}

/** A request slower than this alone is not put under load: queued behind each other, they would stall the run. */
const PROBE_TIMEOUT_MS = 3000;

/** One request of the scenario, timed; an error message when it fails or is too slow to measure. */
async function probe(base: string, req: ScenarioRequest, expectStatus: number): Promise<string | null> {
  const path = 'path' in req ? req.path : req.paths[0]!;
  const started = performance.now();
  try {
    const res = await fetch(base + path, { headers: req.headers, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.arrayBuffer();
    return res.status === expectStatus ? null : `a single request answered ${res.status}, not ${expectStatus}`;
  } catch {
    return `a single request took more than ${PROBE_TIMEOUT_MS / 1000} s (${((performance.now() - started) / 1000).toFixed(1)} s before giving up) — not measured under load`;
  }
}

/** Waits until the server answers again (requests a slow scenario left queued are still being worked off). */
async function drain(base: string, timeoutMs = 600_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
    if (ok) return;
  }
  throw new Error(`${base} did not answer /readyz again within ${timeoutMs / 1000} s`);
}

async function runScenario(s: Scenario, masthead: string, referenceUrl: string | undefined, ctx: BenchContext, bare: Measured, opts: BenchOptions, random: () => number): Promise<ScenarioResult> {
  if (s.reference && !referenceUrl) return { key: s.key, title: s.title, skipped: 'no reference server in this run' };
  const base = s.reference ? referenceUrl! : masthead;
  if (s.requires && !(await routeExists(base, s.requires, ctx.editorAuth))) {
    return { key: s.key, title: s.title, skipped: `${s.requires.split('?')[0]} does not exist yet` };
  }
  const req = s.request(ctx);
  const failed = await probe(base, req, s.expectStatus ?? 200);
  if (failed) {
    await drain(base);
    return { key: s.key, title: s.title, skipped: failed, flagged: true, budget: s.budget && { text: s.budget.text, pass: false } };
  }
  const m = await measure(base, cannonRequests(req, random), opts, s.expectStatus);
  await drain(base);
  const ratio = m.rps / bare.rps;
  const budget = s.budget && {
    text: s.budget.text,
    pass: (s.budget.minRatio === undefined || ratio >= s.budget.minRatio) && (s.budget.maxP99Ms === undefined || m.p99 <= s.budget.maxP99Ms),
  };
  return { key: s.key, title: s.title, ...m, ratio, budget, flagged: m.errors > 0 || m.unexpectedStatus > 0 || m.requests === 0 };
}

/** Measures the bare route, then each scenario against the Masthead server at `base`. */
export async function runBench(o: {
  base: string;
  bareUrl: string;
  /** The hand-written fastify + better-sqlite3 server (bench/reference-server.ts) for `reference` scenarios. */
  referenceUrl?: string;
  adminKey: string;
  scenarios: Scenario[];
  options: BenchOptions;
  serverPid: number;
  deepPages?: number;
  log?: (line: string) => void;
}): Promise<Pick<BenchRun, 'bare' | 'scenarios' | 'serverRssPeakMb' | 'context'>> {
  const log = o.log ?? (() => {});
  const random = mulberry32(DEFAULT_SEED);
  const ctx = await discoverContext(o.base, o.adminKey, random, o.deepPages);
  log(`context: ${ctx.ids.length} sample articles, section ${ctx.topSection}, tag ${ctx.tag}, deep page ${ctx.deepPage}`);
  const rss = rssSampler(o.serverPid);
  const bare = await measure(o.bareUrl, [{ method: 'GET', path: '/bare' }], o.options);
  log(`bare fastify: ${bare.rps.toFixed(0)} req/s`);
  const scenarios: ScenarioResult[] = [];
  for (const s of o.scenarios) {
    const r = await runScenario(s, o.base, o.referenceUrl, ctx, bare, o.options, random);
    log('skipped' in r ? `${s.key}: skipped (${r.skipped})` : `${s.key}: ${r.rps!.toFixed(0)} req/s, ×${r.ratio!.toFixed(3)}`);
    scenarios.push(r);
  }
  return { bare, scenarios, serverRssPeakMb: rss.stop(), context: { topSection: ctx.topSection, tag: ctx.tag, window: ctx.window, deepPage: ctx.deepPage, sampleIds: ctx.ids.length } };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

/** Starts the bare fastify server as a child process; resolves with its URL once it listens. */
export async function startBareServer(): Promise<{ url: string; child: ChildProcess }> {
  return startChild(['--input-type=module', '-e', BARE_SERVER_SOURCE], process.env);
}

/** Starts bench/reference-server.ts on a database file (opened read-only). */
export async function startReferenceServer(dbPath: string): Promise<{ url: string; child: ChildProcess }> {
  return startChild(['--import', 'tsx', 'bench/reference-server.ts'], { ...process.env, NODE_ENV: 'production', REFERENCE_DB: dbPath });
}

/** A child that prints {"port": N} once it listens. */
async function startChild(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    child.stdout!.once('data', (d: Buffer) => ok(d.toString()));
    child.once('exit', (code) => fail(new Error(`${args.at(-1)!.slice(0, 40)} exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`, child };
}

async function waitReady(base: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base}/readyz did not answer within ${timeoutMs / 1000} s`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((ok) => child.once('exit', ok));
  child.kill('SIGTERM');
  await exited;
}

/** `--no-caches`: the exact answer caches off, to measure what every cache miss costs. */
const CACHES_OFF = { ARTICLE_CACHE_MB: '0', LIST_CACHE_SIZE: '0', SEARCH_CACHE_SIZE: '0' };

/** The server exactly as in production, on a copy of the cached database. */
async function startServer(dbPath: string, adminKey: string, caches: boolean): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const env = { ...process.env, ...(caches ? {} : CACHES_OFF), NODE_ENV: 'production', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: dbPath, RATE_LIMIT: 'off', MASTHEAD_DEMO: 'off', MASTHEAD_ADMIN_KEY: adminKey };
  const child = spawn(process.execPath, ['dist/cli/main.js', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(base, child);
  return { base, child };
}

function machine() {
  const cpu = cpus();
  return { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, node: process.version, loadavg: loadavg().map((l) => Number(l.toFixed(2))) };
}

/** One full run at N articles: seed or reuse, copy, start both servers, measure, stop. */
async function benchAt(articles: number, seed: number, fresh: boolean, options: BenchOptions, caches: boolean): Promise<BenchRun> {
  const log = (l: string) => console.error(l);
  const db = await ensureDatabase(articles, seed, fresh, log);
  const dir = mkdtempSync(join(tmpdir(), 'masthead-bench-'));
  const copy = join(dir, 'bench.db');
  copyFileSync(db.path, copy);
  const adminKey = `mh_${randomBytes(24).toString('base64url')}`;
  const loadBefore = loadavg()[0]!;
  const bare = await startBareServer();
  const server = await startServer(copy, adminKey, caches);
  // Started after the server has migrated the copy, which it then only reads.
  const reference = await startReferenceServer(copy);
  try {
    const measured = await runBench({ base: server.base, bareUrl: bare.url, referenceUrl: reference.url, adminKey, scenarios: SCENARIOS, options, serverPid: server.child.pid!, log });
    return { date: new Date().toISOString(), articles, seed, options, caches, machine: { ...machine(), loadavgBefore: loadBefore }, seedStats: db.stats as SeedStats, notYetMeasured: NOT_YET_MEASURED, ...measured };
  } finally {
    await Promise.all([stopChild(server.child), stopChild(bare.child), stopChild(reference.child)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      compare: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'no-caches': { type: 'boolean', default: false },
      articles: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string', default: '10' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
    },
  });
  const articles = Number(values.articles ?? (values.quick ? 10_000 : 100_000));
  const durationS = Number(values.duration ?? (values.quick ? 3 : 10));
  const options: BenchOptions = { connections: Number(values.connections), durationS, warmupS: values.quick ? 1 : 2 };
  if (!values['no-build'] && spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('npm run build failed');
  const seed = Number(values.seed);
  const caches = !values['no-caches'];
  // An uncached run is written beside the default one, not over it.
  const name = caches ? 'latest' : 'latest-no-caches';
  if (values.compare) {
    const small = await benchAt(10_000, seed, values.fresh, options, caches);
    const large = await benchAt(100_000, seed, values.fresh, options, caches);
    console.log(formatTable(small) + '\n' + formatTable(large) + '\n' + formatComparison(small, large));
    writeResults({ ...large, compare: { small, large } }, undefined, name);
    return;
  }
  const run = await benchAt(articles, seed, values.fresh, options, caches);
  console.log(formatTable(run));
  writeResults(run, undefined, name);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.stack ?? error.message);
    process.exitCode = 1;
  });
}
