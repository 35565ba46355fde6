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
});

t.test('values are parsed and empty strings mean unset', async (t) => {
  const c = loadConfig({ PORT: '8080', HOST: '0.0.0.0', MASTHEAD_DEMO: 'off', PUBLIC_BASE_URL: 'https://news.example.com/', LOG_LEVEL: '' });
  t.equal(c.port, 8080);
  t.equal(c.demo, false);
  t.equal(c.publicBaseUrl, 'https://news.example.com', 'trailing slash dropped');
  t.equal(c.logLevel, 'info');
});

t.test('bad values are refused with a message naming each variable', async (t) => {
  for (const [env, name] of [
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: 'abc' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ MASTHEAD_DEMO: 'maybe' }, 'MASTHEAD_DEMO'],
    [{ PUBLIC_BASE_URL: 'not a url' }, 'PUBLIC_BASE_URL'],
    [{ BODY_LIMIT: '10' }, 'BODY_LIMIT'],
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
