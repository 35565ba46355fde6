import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { assertProblem, buildTestApp, call, type TestApp } from '../helpers/app.js';
import { req } from '../helpers/factories.js';
import { capturingLogger } from '../helpers/log-capture.js';
import { closedPort, redisRelay, testRedis } from '../helpers/redis.js';

const limits = { enabled: true, reader: 3, readKey: 4, writeKey: 2 };
const from = (ip: string, headers: Record<string, string> = {}) => ({ ...req('GET', '/v1/sections', undefined, headers), remoteAddress: ip });

/** Sends the requests to the nodes in turn (A, B, A, …) and returns the statuses. */
async function roundRobin(nodes: TestApp[], requests: ReturnType<typeof from>[]) {
  const statuses: number[] = [];
  for (const [i, r] of requests.entries()) statuses.push((await call(nodes[i % nodes.length]!.app, r)).status);
  return statuses;
}

const timed = async <T>(work: () => Promise<T>) => {
  const start = performance.now();
  const result = await work();
  return { result, ms: performance.now() - start };
};

t.test('two nodes on one Redis share the per-address count: 429 at the same total as one node', async (t) => {
  const { redis, prefix, config } = await testRedis(t);
  const a = await buildTestApp(t, { rateLimit: limits, redis: config });
  const b = await buildTestApp(t, { rateLimit: limits, redis: config }, { node: a });

  const statuses = await roundRobin([a, b], Array.from({ length: 5 }, () => from('10.0.0.1')));
  t.same(statuses, [200, 200, 200, 429, 429], 'A, B, A pass; the fourth and fifth, on B then A, are over the limit of 3');
  const limited = await call(b.app, from('10.0.0.1'));
  const body = assertProblem(t, limited, 429, 'rate-limited');
  t.match(body.detail, /at most 3 a minute/);
  t.ok(Number(limited.headers['retry-after']) >= 1, 'Retry-After from the window Redis keeps');
  t.equal(await redis.get(`${prefix}rate:ip:10.0.0.1`), '6', 'one counter in Redis, under the prefix');
  t.ok((await redis.pttl(`${prefix}rate:ip:10.0.0.1`)) > 0, 'which expires with the window');

  const remaining = [];
  for (const node of [a, b, a]) remaining.push((await call(node.app, from('10.0.0.2'))).headers['x-ratelimit-remaining']);
  t.same(remaining, ['2', '1', '0'], 'X-RateLimit-Remaining counts down across nodes');

  // The same split without Redis: each node counts alone, so two nodes let twice the limit through.
  const c = await buildTestApp(t, { rateLimit: limits });
  const d = await buildTestApp(t, { rateLimit: limits }, { node: c });
  t.same(await roundRobin([c, d], Array.from({ length: 7 }, () => from('10.0.0.1'))), [200, 200, 200, 200, 200, 200, 429], 'per node: 3 on each');

  // Another deployment (another prefix) on the same Redis has counters of its own.
  const other = await testRedis(t);
  const e = await buildTestApp(t, { rateLimit: limits, redis: other.config });
  t.equal((await call(e.app, from('10.0.0.1'))).status, 200, 'another prefix does not see this one’s counts');
});

t.test('per-key limits are shared too, whichever node and address a key calls from; admin keys stay exempt', async (t) => {
  const { prefix, redis, config } = await testRedis(t);
  const a = await buildTestApp(t, { rateLimit: limits, redis: config });
  const b = await buildTestApp(t, { rateLimit: limits, redis: config }, { node: a });

  const reads = Array.from({ length: 5 }, (_, i) => from(`10.0.1.${i}`, a.auth.read));
  t.same(await roundRobin([a, b], reads), [200, 200, 200, 200, 429], 'a read key: 4 a minute across both nodes');
  const writes = Array.from({ length: 3 }, () => from('10.0.0.1', a.auth.write));
  t.same(await roundRobin([b, a], writes), [200, 200, 429], 'a write key: 2 a minute across both nodes');
  t.same(await roundRobin([a, b], Array.from({ length: 10 }, () => from('10.0.0.1', a.auth.admin))), Array(10).fill(200), 'admin keys are not limited');
  t.equal((await call(b.app, from('10.0.1.0'))).status, 200, 'the key’s calls spent none of its addresses’ allowance');
  const keys = (await redis.keys(`${prefix}*`)).sort();
  t.same(keys.map((k) => k.slice(prefix.length).replace(/^rate:key:\d+$/, 'rate:key:N')), ['rate:ip:10.0.1.0', 'rate:key:N', 'rate:key:N'], 'buckets by key id and by address, nothing for admin');

  for (const url of ['/healthz', '/readyz']) {
    for (let i = 0; i < 5; i++) t.equal((await call(b.app, { method: 'GET', url, remoteAddress: '10.0.0.1' })).status, 200, `${url} is not limited`);
  }
  t.equal(await redis.exists(`${prefix}rate:ip:10.0.0.1`), 0, 'probes count nowhere');
});

t.test('Redis unreachable at start: requests pass uncounted and fast, never a 500, and a warning is logged', async (t) => {
  const log = capturingLogger();
  const url = `redis://127.0.0.1:${await closedPort()}`;
  const { result: ctx, ms: startMs } = await timed(() => buildTestApp(t, { rateLimit: limits, redis: { url, prefix: 'masthead-test:closed:' } }, { logger: log.logger }));
  t.ok(startMs < 3000, `start-up does not wait for Redis (${Math.round(startMs)} ms)`);
  for (let i = 0; i < 10; i++) {
    const { result: res, ms } = await timed(() => call(ctx.app, from('10.0.0.1')));
    t.equal(res.status, 200, `request ${i + 1} passes (fail open)`);
    t.ok(ms < 500, `and is answered in ${Math.round(ms)} ms`);
  }
  const warnings = log.lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40 && /Redis does not answer/.test(l.msg));
  t.ok(warnings.length >= 1, 'a warning says limits are not counted');
  t.ok(warnings.length <= 2, `and does not repeat for every request (${warnings.length})`);
  t.match(warnings[0], { redis: url.slice('redis://'.length), error: /ECONNREFUSED/ });
  t.notOk(log.text().includes('"level":50'), 'nothing logged as an error');
});

t.test('Redis lost while running: a stalled Redis costs at most its command timeout; a dropped one nothing', async (t) => {
  const { config } = await testRedis(t);
  const relay = await redisRelay(t);
  const log = capturingLogger();
  const ctx = await buildTestApp(t, { rateLimit: limits, redis: { url: relay.url, prefix: config.prefix } }, { logger: log.logger });
  t.same(await roundRobin([ctx], [from('10.0.0.1'), from('10.0.0.1')]), [200, 200], 'counted through the relay');

  relay.stall();
  for (let i = 0; i < 3; i++) {
    const { result: res, ms } = await timed(() => call(ctx.app, from('10.0.0.1')));
    t.equal(res.status, 200, 'Redis hangs: the request passes');
    t.ok(ms < 1000, `after the command timeout, not a hang (${Math.round(ms)} ms)`);
  }
  await relay.cut();
  for (let i = 0; i < 5; i++) {
    const { result: res, ms } = await timed(() => call(ctx.app, from('10.0.0.1')));
    t.equal(res.status, 200, 'Redis gone: the request passes');
    t.ok(ms < 500, `at once, not after a connect timeout (${Math.round(ms)} ms)`);
  }
  t.match(log.text(), /Redis does not answer/, 'logged as a warning');

  await relay.restore();
  const deadline = performance.now() + 5000;
  let status = 200;
  // The client reconnects in the background (at most 2 s apart); the count in Redis is still 2.
  while (status === 200 && performance.now() < deadline) {
    status = (await call(ctx.app, from('10.0.0.1'))).status;
    if (status === 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.equal(status, 429, 'Redis back: counting resumes where it was, and the limit holds again');
  t.match(log.text(), /Redis answers again/, 'and the log says so');
});

t.test('Redis configuration: off by default, a prefix per deployment, bad values refused', async (t) => {
  t.equal(loadConfig({}).redis, null, 'without REDIS_URL each node counts its own limits');
  t.same(loadConfig({ REDIS_URL: 'redis://10.0.0.5:6379/2' }).redis, { url: 'redis://10.0.0.5:6379/2', prefix: 'masthead:' });
  t.same(loadConfig({ REDIS_URL: 'rediss://:secret@cache.example:6380', REDIS_PREFIX: 'news-prod:' }).redis, { url: 'rediss://:secret@cache.example:6380', prefix: 'news-prod:' });
  t.equal(loadConfig({ REDIS_URL: '' }).redis, null, 'an empty value is not set');
  for (const [env, message] of [
    [{ REDIS_URL: '127.0.0.1:6379' }, /REDIS_URL: Must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, /REDIS_URL: Must be a redis:\/\//],
    [{ REDIS_URL: 'redis://' }, /REDIS_URL/],
    [{ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'has space' }, /REDIS_PREFIX: Must be 1–64 letters/],
    [{ REDIS_PREFIX: 'x'.repeat(65) }, /REDIS_PREFIX/],
  ] as const) {
    t.throws(() => loadConfig(env), message, JSON.stringify(env));
  }
});

t.test('RATE_LIMIT=off with REDIS_URL set: no limits and no connection to Redis', async (t) => {
  const log = capturingLogger();
  const url = `redis://127.0.0.1:${await closedPort()}`;
  const ctx = await buildTestApp(t, { rateLimit: { ...limits, enabled: false }, redis: { url, prefix: 'masthead-test:off:' } }, { logger: log.logger });
  for (let i = 0; i < 5; i++) t.equal((await call(ctx.app, from('10.0.0.1'))).status, 200);
  t.notMatch(log.text(), /Redis/, 'nothing tried, nothing to warn about');
});
