import t from 'tap';
import { loadConfig, testConfig } from '../../src/config.js';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { req } from '../helpers/factories.js';

const limits = { enabled: true, reader: 3, readKey: 4, writeKey: 2 };
const from = (ip: string, headers: Record<string, string> = {}) => ({ ...req('GET', '/v1/sections', undefined, headers), remoteAddress: ip });

t.test('rate limits: per client address for readers, per key for keys; 429 with Retry-After and a problem body', async (t) => {
  const ctx = await buildTestApp(t, { rateLimit: limits });
  for (let i = 0; i < 3; i++) t.equal((await call(ctx.app, from('10.0.0.1'))).status, 200);
  const limited = await call(ctx.app, from('10.0.0.1'));
  const body = assertProblem(t, limited, 429, 'rate-limited');
  const retryAfter = Number(limited.headers['retry-after']);
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
  t.match(body.detail, /at most 3 a minute/);
  t.equal(limited.headers['x-ratelimit-limit'], '3');
  t.equal((await call(ctx.app, from('10.0.0.2'))).status, 200, 'another address has its own allowance');

  // A key counts on its own, whichever address it comes from: the reader's spent allowance does not touch it.
  for (let i = 0; i < 4; i++) t.equal((await call(ctx.app, from(`10.0.1.${i}`, ctx.auth.read))).status, 200);
  assertProblem(t, await call(ctx.app, from('10.0.0.9', ctx.auth.read)), 429, 'rate-limited');
  for (let i = 0; i < 2; i++) t.equal((await call(ctx.app, from('10.0.0.1', ctx.auth.write))).status, 200, 'write keys have their own limit');
  assertProblem(t, await call(ctx.app, from('10.0.0.1', ctx.auth.write)), 429);

  for (let i = 0; i < 20; i++) t.equal((await call(ctx.app, from('10.0.0.1', ctx.auth.admin))).status, 200, 'admin keys are exempt');
});

t.test('health probes are not rate-limited: a load balancer probes from one address all day', async (t) => {
  const ctx = await buildTestApp(t, { rateLimit: limits });
  for (const url of ['/healthz', '/readyz']) {
    for (let i = 0; i < 10; i++) {
      const res = await call(ctx.app, { method: 'GET', url, remoteAddress: '10.0.9.1' });
      t.equal(res.status, 200, `${url} #${i + 1}`);
      t.notOk(res.headers['x-ratelimit-limit'], 'no rate-limit headers on a probe');
    }
  }
  for (let i = 0; i < 3; i++) t.equal((await call(ctx.app, from('10.0.9.1'))).status, 200, 'the probes spent none of the address’s allowance');
  assertProblem(t, await call(ctx.app, from('10.0.9.1')), 429, 'rate-limited');
  t.equal((await call(ctx.app, { method: 'GET', url: '/healthz', remoteAddress: '10.0.9.1' })).status, 200, 'nor does a limited address lose its probes');
});

t.test('behind a proxy (TRUST_PROXY=on) each reader counts by X-Forwarded-For, not by the proxy', async (t) => {
  const viaProxy = (client: string) => from('127.0.0.1', { 'x-forwarded-for': client });
  const trusting = await buildTestApp(t, { rateLimit: limits, trustProxy: true });
  for (let i = 0; i < 3; i++) t.equal((await call(trusting.app, viaProxy('203.0.113.1'))).status, 200);
  assertProblem(t, await call(trusting.app, viaProxy('203.0.113.1')), 429);
  t.equal((await call(trusting.app, viaProxy('203.0.113.2'))).status, 200, 'another reader behind the same proxy is not limited');

  const plain = await buildTestApp(t, { rateLimit: limits });
  for (let i = 0; i < 3; i++) await call(plain.app, viaProxy(`203.0.113.${10 + i}`));
  // Without TRUST_PROXY the header is ignored (anyone could forge it): all count as the proxy.
  assertProblem(t, await call(plain.app, viaProxy('203.0.113.99')), 429, 'rate-limited');
});

t.test('RATE_LIMIT=off turns limiting off', async (t) => {
  const ctx = await buildTestApp(t, { rateLimit: { ...limits, enabled: false } });
  for (let i = 0; i < 10; i++) t.equal((await call(ctx.app, from('10.0.0.1'))).status, 200);
  t.notOk((await call(ctx.app, from('10.0.0.1'))).headers['x-ratelimit-limit']);
});

t.test('limits configuration: defaults, overrides, bad values refused', async (t) => {
  const config = loadConfig({});
  t.same(config.rateLimit, { enabled: true, reader: 600, readKey: 1200, writeKey: 600 });
  t.same([config.publicRead, config.adminKey, config.corsOrigins], [true, null, []]);
  t.equal(testConfig().rateLimit.enabled, false, 'tests are not limited unless they ask');
  const set = loadConfig({ RATE_LIMIT: 'off', RATE_LIMIT_READER: '10', RATE_LIMIT_READ_KEY: '20', RATE_LIMIT_WRITE_KEY: '30', MASTHEAD_PUBLIC_READ: 'off' });
  t.same([set.rateLimit, set.publicRead], [{ enabled: false, reader: 10, readKey: 20, writeKey: 30 }, false]);
  t.same(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example:8443/' }).corsOrigins, ['https://a.example', 'https://b.example:8443']);
  t.equal(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, '*');
  const admin = `mh_${'x'.repeat(30)}`;
  t.equal(loadConfig({ MASTHEAD_ADMIN_KEY: admin }).adminKey, admin);
  for (const [env, message] of [
    [{ RATE_LIMIT_READER: '0' }, /RATE_LIMIT_READER/],
    [{ RATE_LIMIT_WRITE_KEY: 'lots' }, /RATE_LIMIT_WRITE_KEY/],
    [{ RATE_LIMIT: 'maybe' }, /RATE_LIMIT/],
    [{ MASTHEAD_PUBLIC_READ: 'yes please' }, /MASTHEAD_PUBLIC_READ/],
    [{ MASTHEAD_ADMIN_KEY: 'x'.repeat(40) }, /MASTHEAD_ADMIN_KEY: Must start with mh_/],
    [{ MASTHEAD_ADMIN_KEY: 'mh_short' }, /MASTHEAD_ADMIN_KEY: Must be at least 24/],
    [{ MASTHEAD_ADMIN_KEY: `mh_${'x'.repeat(20)} y` }, /MASTHEAD_ADMIN_KEY: After mh_/],
    [{ CORS_ORIGINS: 'news.example.com' }, /CORS_ORIGINS: Must be \*/],
    [{ CORS_ORIGINS: '*,https://a.example' }, /CORS_ORIGINS/],
  ] as const) {
    t.throws(() => loadConfig(env), message, JSON.stringify(env));
  }
});

t.test('security headers suited to a JSON API, on answers and errors alike', async (t) => {
  const ctx = await buildTestApp(t);
  for (const r of [req('GET', '/v1/sections'), req('POST', '/v1/sections', { name: 'x' }), req('GET', '/v1/nothing')]) {
    const res = await call(ctx.app, r);
    t.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'", `${r.url} ${res.status}`);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.equal(res.headers['referrer-policy'], 'no-referrer');
    t.match(res.headers['strict-transport-security'], /max-age=\d+/);
    t.equal(res.headers['cross-origin-resource-policy'], 'same-origin', 'without CORS_ORIGINS, same origin only');
    t.notOk(res.headers['x-powered-by']);
  }
});

t.test('the swagger UI at /docs still loads under its own CSP', async (t) => {
  const ctx = await buildTestApp(t);
  const page = await call(ctx.app, req('GET', '/docs/'));
  t.equal(page.status, 200);
  t.match(page.headers['content-type'], /text\/html/);
  const csp = String(page.headers['content-security-policy']);
  t.match(csp, /script-src 'self'/);
  t.match(csp, /connect-src 'self'/);
  const scripts = [...String(page.body).matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
  t.ok(scripts.length >= 2, 'the page loads its scripts from files (no inline script the CSP would block)');
  t.notMatch(String(page.body), /<script>(?!\s*<\/script>)/, 'no inline script');
  for (const src of scripts) t.equal((await ctx.app.inject({ url: new URL(src, 'http://x/docs/').pathname })).statusCode, 200, `${src} loads`);
  t.equal((await ctx.app.inject({ url: '/docs/json' })).statusCode, 200, 'the UI can fetch the document');
});

t.test('CORS follows CORS_ORIGINS', async (t) => {
  const none = await buildTestApp(t);
  t.notOk((await call(none.app, req('GET', '/v1/sections', undefined, { origin: 'https://a.example' }))).headers['access-control-allow-origin'], 'none by default');

  const ctx = await buildTestApp(t, { corsOrigins: ['https://a.example'] });
  const ok = await call(ctx.app, req('GET', '/v1/sections', undefined, { origin: 'https://a.example' }));
  t.equal(ok.headers['access-control-allow-origin'], 'https://a.example');
  t.match(ok.headers.vary, /Origin/, 'caches keep the answers per origin');
  t.match(ok.headers['access-control-expose-headers'], /ETag/);
  t.notOk((await call(ctx.app, req('GET', '/v1/sections', undefined, { origin: 'https://evil.example' }))).headers['access-control-allow-origin']);
  const preflight = await ctx.app.inject({
    method: 'OPTIONS',
    url: '/v1/articles',
    headers: { origin: 'https://a.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  t.equal(preflight.statusCode, 204, 'preflight answered before authentication');
  t.match(preflight.headers['access-control-allow-headers'], /Authorization/);
  t.match(preflight.headers['access-control-allow-methods'], /PATCH/);
  const denied = await call(ctx.app, req('POST', '/v1/sections', { name: 'x' }, { origin: 'https://a.example' }));
  t.equal(denied.status, 401);
  t.equal(denied.headers['access-control-allow-origin'], 'https://a.example', 'a browser can read the 401');
  assertProblem(t, await call(ctx.app, req('GET', '/v1/nothing')), 404, 'route-not-found');

  const any = await buildTestApp(t, { corsOrigins: '*' });
  t.equal((await call(any.app, req('GET', '/v1/sections', undefined, { origin: 'https://b.example' }))).headers['access-control-allow-origin'], '*');
});
