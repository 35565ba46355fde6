import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { createKey, testClock } from '../helpers/app.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { req } from '../helpers/factories.js';
import { capturingLogger } from '../helpers/log-capture.js';

async function appWithLog(t: Test, redact = true) {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const store = createSqliteStore(db);
  const clock = testClock();
  const log = capturingLogger(redact);
  const app = await buildApp(testConfig(), { store, clock, logger: log.logger });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await store.close();
  });
  return { app, store, clock, log };
}

t.test('Authorization headers and key secrets never reach the log', async (t) => {
  const { app, store, clock, log } = await appWithLog(t);
  const admin = await createKey(store, clock, { scope: 'admin' });
  const created = await app.inject(req('POST', '/v1/keys', { name: 'partner', scope: 'read' }, admin.header));
  const secret = created.json().secret as string;
  const unknown = `mh_${'Z'.repeat(43)}`;
  await app.inject(req('GET', '/v1/articles', undefined, { authorization: `Bearer ${secret}` }));
  await app.inject(req('GET', '/v1/articles', undefined, { authorization: `Bearer ${unknown}` }));
  await app.inject(req('POST', '/v1/keys', { name: 'x', scope: 'read', secret: 'mh_chosen_by_client_123456' }, admin.header));
  // What a careless log call elsewhere could write: the redaction paths still blank it.
  app.log.info({ req: { headers: { authorization: `Bearer ${secret}` } }, key: { secret }, secret }, 'careless');
  app.log.info({ headers: { authorization: `Bearer ${admin.secret}` } }, 'careless too');

  t.ok(log.lines.length > 8, `${log.lines.length} lines captured (requests were logged)`);
  const text = log.text();
  for (const s of [secret, unknown, admin.secret]) t.notOk(text.includes(s), `${s.slice(0, 10)}… is not in the log`);
  t.notOk(/Bearer mh_/.test(text), 'no bearer credential at all');
  const lines = log.lines.map((l) => JSON.parse(l));
  const careless = lines.find((l) => l.msg === 'careless');
  t.same([careless.secret, careless.key.secret], ['[redacted]', '[redacted]']);
  t.equal(lines.find((l) => l.msg === 'careless too').headers.authorization, '[redacted]');
  // fastify's request serializer reshapes `req` on app.log; the raw logger shows the path itself is redacted.
  log.logger.info({ req: { headers: { authorization: `Bearer ${secret}` } } }, 'raw');
  t.equal(JSON.parse(log.lines.at(-1)!).req.headers.authorization, '[redacted]');
});

t.test('control: without the redaction options the same call would leak (so the test above can fail)', async (t) => {
  const { app, log } = await appWithLog(t, false);
  app.log.info({ secret: 'mh_leaky_secret_value_0000' }, 'careless');
  t.match(log.text(), /mh_leaky_secret_value_0000/);
});
