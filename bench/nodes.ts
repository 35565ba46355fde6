/**
 * Several API nodes on one PostgreSQL (issue #15): the same read mix through 1 node and through 2,
 * with the CPU each node and the database spent per request, so the scaling can be read off a
 * machine of few cores (where 2 nodes and PostgreSQL share them, the throughput alone says little).
 * Then what the cross-node cache check costs: the one read of the content generation each cached
 * answer makes (src/store/postgres/store.ts), timed alone.
 *
 * Fills a fresh database with N generated articles (bench/generate.ts) through `masthead import`,
 * starts the nodes as `masthead serve` processes, and drives them with autocannon: one instance per
 * node, the connections split between them, as a load balancer would. CPU comes from /proc (the
 * nodes' processes; every `postgres` process of the server, so run it on a quiet server).
 *
 *   npm run bench:nodes [-- --articles 5000 --duration 10 --connections 16]
 *
 * Needs PostgreSQL at BENCH_DATABASE_URL (default: this project's local server); the database
 * `masthead_bench_nodes` is made there and dropped at the end. Results: bench/results/nodes.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generate, writeNdjson } from './generate.js';
import { mulberry32 } from './text.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = 'masthead_bench_nodes';
const ADMIN_KEY = `mh_${'b'.repeat(43)}`;
const TICK_MS = 10; // /proc's clock ticks: USER_HZ is 100 on Linux

const urlOf = (database: string) => Object.assign(new URL(BASE), { pathname: `/${database}` }).toString();

type CannonResult = { requests: { total: number; average: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number };
const autocannon = createRequire(import.meta.url)('autocannon') as (o: {
  url: string;
  connections: number;
  duration: number;
  requests: { method: 'GET'; setupRequest: (r: { path: string }) => { path: string } }[];
}) => Promise<CannonResult>;

/** CPU ms a process has used (user + system), from /proc/PID/stat. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** CPU ms of every `postgres` process now running (the server's backends and its helpers). */
function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'postgres') total += cpuMs(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

const cli = (args: string[], env: Record<string, string>) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`masthead ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
};

async function startNode(url: string): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', MASTHEAD_DEMO: 'off', RATE_LIMIT: 'off', WEBHOOKS_WORKER: 'off', MASTHEAD_ADMIN_KEY: ADMIN_KEY, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { base, child };
    } catch {
      // Not listening yet.
    }
    if (i > 300) throw new Error('a node did not start in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The read mix of a news site: article pages by id and slug, the home list, a search, the feed. */
async function readMix(base: string): Promise<string[]> {
  const page = (await (await fetch(`${base}/v1/articles?limit=100&fields=id,slug`)).json()) as { data: { id: number; slug: string }[] };
  const mix: string[] = [];
  for (const a of page.data) mix.push(`/v1/articles/${a.id}`, `/v1/articles/${a.id}`, `/v1/articles/slug/${encodeURIComponent(a.slug)}`);
  for (let i = 0; i < 60; i++) mix.push('/v1/articles?limit=20');
  for (let i = 0; i < 20; i++) mix.push(`/v1/search?q=${encodeURIComponent('天津')}`, '/v1/feeds/rss');
  return mix;
}

type Round = { nodes: number; rps: number; p50: number; p99: number; errors: number; nodeCpuMsPerRequest: number[]; postgresCpuMsPerRequest: number };

async function round(url: string, n: number, duration: number, connections: number): Promise<Round> {
  const nodes = await Promise.all(Array.from({ length: n }, () => startNode(url)));
  try {
    const mix = await readMix(nodes[0]!.base);
    const random = mulberry32(7);
    const requests = [{ method: 'GET' as const, setupRequest: (r: { path: string }) => ({ ...r, path: mix[Math.floor(random() * mix.length)]! }) }];
    const each = Math.max(1, Math.round(connections / n));
    // Warm-up: the caches fill as on a site that has been up a while.
    await Promise.all(nodes.map((node) => autocannon({ url: node.base, connections: each, duration: 2, requests })));
    const before = { nodes: nodes.map((node) => cpuMs(node.child.pid!)), postgres: postgresCpuMs() };
    const results = await Promise.all(nodes.map((node) => autocannon({ url: node.base, connections: each, duration, requests })));
    const after = { nodes: nodes.map((node) => cpuMs(node.child.pid!)), postgres: postgresCpuMs() };
    const total = results.reduce((s, r) => s + r.requests.total, 0);
    return {
      nodes: n,
      rps: Math.round(total / duration),
      p50: Math.max(...results.map((r) => r.latency.p50)),
      p99: Math.max(...results.map((r) => r.latency.p99)),
      errors: results.reduce((s, r) => s + r.errors + r.non2xx, 0),
      nodeCpuMsPerRequest: nodes.map((_, i) => +((after.nodes[i]! - before.nodes[i]!) / results[i]!.requests.total).toFixed(3)),
      postgresCpuMsPerRequest: +((after.postgres - before.postgres) / total).toFixed(3),
    };
  } finally {
    for (const node of nodes) node.child.kill('SIGTERM');
    await Promise.all(nodes.map((node) => new Promise((r) => (node.child.exitCode === null ? node.child.once('exit', r) : r(null)))));
  }
}

/** The content generation's read, alone: round trip, and the CPU of the client and of PostgreSQL per read. */
async function generationRead(url: string, reads = 5000) {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const once = () => pool.query('SELECT value FROM content_generation WHERE id = 1');
    for (let i = 0; i < 200; i++) await once();
    const cpu = process.cpuUsage();
    const pgBefore = postgresCpuMs();
    const started = performance.now();
    for (let i = 0; i < reads; i++) await once();
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return {
      roundTripMs: +(ms / reads).toFixed(4),
      nodeCpuMs: +((used.user + used.system) / 1000 / reads).toFixed(4),
      postgresCpuMs: +((postgresCpuMs() - pgBefore) / reads).toFixed(4),
    };
  } finally {
    await pool.end();
  }
}

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: BASE });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function main() {
  const { values } = parseArgs({ options: { articles: { type: 'string', default: '5000' }, duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '16' } } });
  const articles = Number(values.articles);
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const url = urlOf(NAME);
  await admin(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${NAME}`);
  const dir = mkdtempSync(join(tmpdir(), 'masthead-bench-nodes-'));
  try {
    const file = join(dir, 'articles.ndjson');
    const stream = createWriteStream(file);
    await writeNdjson(generate({ articles }), stream);
    await new Promise((r) => stream.end(r));
    const started = Date.now();
    cli(['migrate'], { DATABASE_URL: url });
    process.stdout.write(cli(['import', file], { DATABASE_URL: url, LOG_LEVEL: 'warn' }));
    console.log(`${articles} articles imported in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const rounds: Round[] = [];
    for (const n of [1, 2]) {
      const r = await round(url, n, duration, connections);
      rounds.push(r);
      console.log(
        `${n} node${n > 1 ? 's' : ' '}: ${String(r.rps).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  errors ${r.errors}  ` +
          `node CPU/request ${r.nodeCpuMsPerRequest.map((c) => `${c} ms`).join(' + ')}  PostgreSQL CPU/request ${r.postgresCpuMsPerRequest} ms`,
      );
    }
    const generation = await generationRead(url);
    console.log(
      `the generation read alone: ${generation.roundTripMs} ms round trip, ${generation.nodeCpuMs} ms node CPU, ${generation.postgresCpuMs} ms PostgreSQL CPU per read ` +
        `(${((generation.nodeCpuMs / rounds[0]!.nodeCpuMsPerRequest[0]!) * 100).toFixed(1)} % of a request's node CPU on 1 node)`,
    );
    const out = resolve(ROOT, 'bench/results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'nodes.json'), `${JSON.stringify({ at: new Date().toISOString(), articles, duration, connections, rounds, generation }, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await admin(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  }
}

await main();
