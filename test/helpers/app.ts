import type { FastifyInstance, FastifyServerOptions, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig, type Config } from '../../src/config.js';
import { migrateDatabase, openDatabase, type Db } from '../../src/store/sqlite/connection.js';
import type { Store } from '../../src/store/port.js';
import type { ApiKeyCreateInput } from '../../src/keys/schemas.js';
import { createKeyService } from '../../src/keys/service.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { reachQuietly } from './change-row-quietly.js';
import { contractProblems } from './contract.js';

export type TestClock = { now: number; (): number; set(iso: string): void; advance(ms: number): void };

export function testClock(start = '2026-11-27T08:00:00.000Z'): TestClock {
  const clock = (() => clock.now) as TestClock;
  clock.now = Date.parse(start);
  clock.set = (iso) => void (clock.now = Date.parse(iso));
  clock.advance = (ms) => void (clock.now += ms);
  return clock;
}

export type AuthHeader = { authorization: string };
export type TestApp = {
  app: FastifyInstance;
  /**
   * @deprecated The SQLite handle, for tests not yet moved to the port: read stored state with
   * test/helpers/store-rows.ts (or HTTP) instead, so the suite can run on any adapter.
   */
  db: Db;
  /** The storage port the app runs on. */
  store: Store;
  clock: TestClock;
  /** `Authorization` headers of an admin, a write and a read key made for this app. */
  auth: { admin: AuthHeader; write: AuthHeader; read: AuthHeader };
};

/** Creates an API key through the store (not the API); returns its id and the `Authorization` header to send. */
export async function createKey(store: Store, clock: TestClock, input: Partial<ApiKeyCreateInput> = {}) {
  const key = await createKeyService(store, clock).create({ name: `test ${input.scope ?? 'read'} key`, scope: 'read', ...input });
  return { id: key.id, secret: key.secret, header: { authorization: `Bearer ${key.secret}` } as AuthHeader };
}

/** Every answer `app.inject` returns is checked against the OpenAPI document; a mismatch fails the test (helpers/contract.ts). */
function checkEveryAnswer(t: Test, app: FastifyInstance) {
  const inject = app.inject.bind(app) as (opts: InjectOptions | string) => Promise<LightMyRequestResponse>;
  const checked = async (opts: InjectOptions | string) => {
    const res = await inject(opts);
    for (const problem of contractProblems(opts, res)) t.fail(`the answer breaks the OpenAPI document: ${problem}`);
    return res;
  };
  app.inject = checked as unknown as FastifyInstance['inject'];
}

/** A fresh store on a fresh, migrated in-memory database, closed when the test ends: for tests that need no app. */
export function buildTestStore(t: Test): Store {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const store = createSqliteStore(db);
  t.teardown(() => store.close());
  return store;
}

/** A fresh store on the adapter the app-level tests run on (storeUnderTest), closed when the test ends. */
export async function testStore(t: Test): Promise<Store> {
  const { store } = await storeUnderTest(t);
  t.teardown(() => store.close());
  return store;
}

/**
 * Which adapter the app-level tests run on: SQLite in memory by default; with
 * `MASTHEAD_TEST_STORE=postgres` (test/groups/postgres.test.ts sets it), a fresh PostgreSQL database
 * cloned from the migrated template (test/helpers/postgres.ts), so that the same route tests prove
 * the same behaviour on both stores. Registered before the app's own teardown, so dropped after it.
 */
async function storeUnderTest(t: Test): Promise<{ store: Store; db: Db }> {
  if (process.env.MASTHEAD_TEST_STORE === 'postgres') {
    const { freshDatabase } = await import('./postgres.js');
    const { openPostgresStore } = await import('../../src/store/postgres/store.js');
    const url = await freshDatabase(t);
    const { store } = await openPostgresStore(url, { poolSize: 4, connectTimeoutMs: 15_000 });
    reachQuietly(store, url);
    const db = new Proxy({} as Db, {
      get() {
        throw new Error('this test reads SQLite directly (TestApp.db): it cannot run on PostgreSQL; read through the port');
      },
    });
    return { store, db };
  }
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  return { store: createSqliteStore(db), db };
}

/**
 * A fresh app on a fresh, migrated in-memory database, closed when the test ends; its answers are
 * checked against the document. `node` builds another API node on that app's database instead
 * (closed before it: teardowns run last first), `logger` replaces the silent one.
 */
export async function buildTestApp(
  t: Test,
  overrides: Partial<Config> = {},
  options: { node?: TestApp; logger?: FastifyServerOptions['loggerInstance'] } = {},
): Promise<TestApp> {
  if (options.node) {
    const { db, store, clock, auth } = options.node;
    const app = await buildApp(testConfig(overrides), { store, clock, logger: options.logger });
    await app.ready();
    checkEveryAnswer(t, app);
    t.teardown(() => app.close());
    return { app, db, store, clock, auth };
  }
  const { store, db } = await storeUnderTest(t);
  const clock = testClock();
  const app = await buildApp(testConfig(overrides), { store, clock, logger: options.logger });
  await app.ready();
  checkEveryAnswer(t, app);
  t.teardown(async () => {
    await app.close();
    await store.close();
  });
  const auth = {
    admin: (await createKey(store, clock, { scope: 'admin' })).header,
    write: (await createKey(store, clock, { scope: 'write' })).header,
    read: (await createKey(store, clock, { scope: 'read' })).header,
  };
  return { app, db, store, clock, auth };
}

/** Injects a request and parses the JSON body when there is one. */
export async function call(app: FastifyInstance, opts: InjectOptions) {
  const res = await app.inject(opts);
  const type = String(res.headers['content-type'] ?? '');
  const body = type.includes('json') && res.body.length > 0 ? JSON.parse(res.body) : res.body;
  return { status: res.statusCode, headers: res.headers, body, raw: res };
}

/** Asserts a problem+json answer with this status (and code when given); returns the body. */
export function assertProblem(t: Test, res: Awaited<ReturnType<typeof call>>, status: number, code?: string) {
  t.equal(res.status, status, `status ${status}`);
  t.match(String(res.headers['content-type']), /^application\/problem\+json/, 'problem+json');
  t.equal(res.body.status, status, 'body.status');
  if (code) t.equal(res.body.code, code, `code ${code}`);
  t.type(res.body.title, 'string');
  t.type(res.body.detail, 'string');
  t.type(res.body.requestId, 'string');
  return res.body;
}
