import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';

t.test('defaults', async (t) => {
  const c = loadConfig({});
  t.equal(c.port, 3000);
  t.equal(c.host, '127.0.0.1');
  t.equal(c.databasePath, './data/masthead.db');
  t.equal(c.publicBaseUrl, 'http://127.0.0.1:3000');
  t.equal(c.demo, true);
  t.equal(c.bodyLimit, 1024 * 1024);
  t.same(c.cache, { maxAge: 60, staleWhileRevalidate: 300 });
  t.equal(c.trustProxy, false);
  t.equal(loadConfig({ TRUST_PROXY: 'on' }).trustProxy, true);
  t.equal(c.heapGrowingPercent, 50, 'the heap may grow 1.5× past its live size by default');
  t.equal(loadConfig({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent, 0, '0 leaves the factor to V8');
  t.equal(c.searchCacheSize, 256);
  t.equal(loadConfig({ SEARCH_CACHE_SIZE: '0' }).searchCacheSize, 0, 'SEARCH_CACHE_SIZE=0 turns the search cache off');
});

t.test('DATABASE_URL selects PostgreSQL; with DATABASE_PATH too it is an error naming both', async (t) => {
  t.equal(loadConfig({}).postgres, null, 'SQLite by default');
  t.same(loadConfig({ DATABASE_URL: 'postgres://masthead@db.example:5432/news' }).postgres, { url: 'postgres://masthead@db.example:5432/news', poolSize: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000, searchIndex: 'auto', replica: null });
  t.same(loadConfig({ DATABASE_URL: 'postgresql://db/news?sslmode=require', DATABASE_POOL_SIZE: '4', DATABASE_STATEMENT_TIMEOUT_MS: '5000', DATABASE_CONNECT_TIMEOUT_MS: '20000', DATABASE_SEARCH_INDEX: 'gin' }).postgres, {
    url: 'postgresql://db/news?sslmode=require',
    poolSize: 4,
    statementTimeoutMs: 5000,
    connectTimeoutMs: 20_000,
    searchIndex: 'gin',
    replica: null,
  });
  t.equal(loadConfig({ DATABASE_URL: '', DATABASE_PATH: 'x.db' }).postgres, null, 'an empty DATABASE_URL is unset');
  t.same(loadConfig({ DATABASE_URL: 'postgres://db/news', DATABASE_REPLICA_URL: 'postgres://replica/news' }).postgres?.replica, { url: 'postgres://replica/news', maxLagMs: 2000 }, 'a replica, at most 2 s behind by default');
  t.same(loadConfig({ DATABASE_URL: 'postgres://db/news', DATABASE_REPLICA_URL: 'postgres://replica/news', DATABASE_REPLICA_MAX_LAG_MS: '500' }).postgres?.replica, { url: 'postgres://replica/news', maxLagMs: 500 });
  t.match(errorOf(() => loadConfig({ DATABASE_REPLICA_URL: 'postgres://replica/news' }))?.message, /DATABASE_REPLICA_URL is set without DATABASE_URL/, 'a replica of SQLite is refused');
  const error = errorOf(() => loadConfig({ DATABASE_URL: 'postgres://db/news', DATABASE_PATH: './data/masthead.db' }));
  t.ok(error instanceof ConfigError);
  t.match(error?.message, /DATABASE_URL and DATABASE_PATH are both set/);
});

t.test('values are parsed and empty strings mean unset', async (t) => {
  const c = loadConfig({ PORT: '8080', HOST: '0.0.0.0', MASTHEAD_DEMO: 'off', PUBLIC_BASE_URL: 'https://news.example.com/', LOG_LEVEL: '' });
  t.equal(c.port, 8080);
  t.equal(c.demo, false);
  t.equal(c.publicBaseUrl, 'https://news.example.com', 'trailing slash dropped');
  t.equal(c.logLevel, 'info');
  t.equal(c.startupCheck, true, 'the start-up check is on by default');
  t.equal(loadConfig({ DATABASE_STARTUP_CHECK: 'off' }).startupCheck, false);
});

t.test('bad values are refused with a message naming each variable', async (t) => {
  for (const [env, name] of [
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: 'abc' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ MASTHEAD_DEMO: 'maybe' }, 'MASTHEAD_DEMO'],
    [{ PUBLIC_BASE_URL: 'not a url' }, 'PUBLIC_BASE_URL'],
    [{ BODY_LIMIT: '10' }, 'BODY_LIMIT'],
    [{ HEAP_GROWING_PERCENT: '5' }, 'HEAP_GROWING_PERCENT'],
    [{ HEAP_GROWING_PERCENT: '400' }, 'HEAP_GROWING_PERCENT'],
    [{ SEARCH_CACHE_SIZE: '-1' }, 'SEARCH_CACHE_SIZE'],
    [{ SEARCH_CACHE_SIZE: 'lots' }, 'SEARCH_CACHE_SIZE'],
    [{ DATABASE_URL: 'mysql://db/masthead' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'db.example:5432' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://db/m', DATABASE_REPLICA_URL: 'replica:5432' }, 'DATABASE_REPLICA_URL'],
    [{ DATABASE_URL: 'postgres://db/m', DATABASE_REPLICA_MAX_LAG_MS: '10' }, 'DATABASE_REPLICA_MAX_LAG_MS'],
    [{ DATABASE_URL: 'postgres://db/m', DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE'],
    [{ DATABASE_URL: 'postgres://db/m', DATABASE_STATEMENT_TIMEOUT_MS: '5' }, 'DATABASE_STATEMENT_TIMEOUT_MS'],
    [{ DATABASE_URL: 'postgres://db/m', DATABASE_CONNECT_TIMEOUT_MS: '0' }, 'DATABASE_CONNECT_TIMEOUT_MS'],
    [{ DATABASE_URL: 'postgres://db/m', DATABASE_SEARCH_INDEX: 'rum' }, 'DATABASE_SEARCH_INDEX'],
    [{ DATABASE_STARTUP_CHECK: 'quick' }, 'DATABASE_STARTUP_CHECK'],
  ] as const) {
    const error = errorOf(() => loadConfig(env));
    t.ok(error instanceof ConfigError, `${name} refused`);
    t.match(error?.message, name, `the message names ${name}`);
  }
  t.match(errorOf(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'y' }))?.message, /PORT[\s\S]*LOG_LEVEL|LOG_LEVEL[\s\S]*PORT/, 'all problems at once');
});

function errorOf(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}
