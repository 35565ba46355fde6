import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Test } from 'tap';
import { fileURLToPath } from 'node:url';
import { MIGRATIONS_FOLDER, createPool, migrateDatabase } from '../../src/store/postgres/connection.js';

/**
 * A fresh PostgreSQL database per test, cloned from a migrated template: CREATE DATABASE …
 * TEMPLATE copies the files (tens of milliseconds) where running the migrations again would take
 * far longer. The template is named after a hash of migrations/postgres and of
 * src/store/postgres/rum.ts (migrateDatabase also creates the RUM index there), built once (the first
 * file to need it builds it under an advisory lock; tap runs files side by side, the others wait
 * and reuse it) and kept for the next run until the migrations change.
 *
 * PostgreSQL must be reachable at TEST_DATABASE_URL (default: the local server of this project's
 * machines): when it is not, the test fails, it is never skipped.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const TEMPLATE_LOCK = 0x6d617374_0002n;

function migrationsHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(entry.name).update(readFileSync(path));
    }
  };
  walk(MIGRATIONS_FOLDER);
  hash.update(readFileSync(fileURLToPath(new URL('../../src/store/postgres/rum.ts', import.meta.url))));
  return hash.digest('hex').slice(0, 12);
}

const TEMPLATE = `masthead_tpl_${migrationsHash()}`;

/** The URL of another database on the same server. */
export function urlOf(database: string, base = TEST_DATABASE_URL): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A connection for administration. On a loaded machine (two cores running nine test groups and
 * CREATE DATABASE copying files) a connection can take seconds to be accepted: a slow answer is
 * tried again, a refusal fails at once.
 */
async function connectAdmin(): Promise<pg.Client> {
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 15_000 });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      const message = (error as Error).message || (error as { code?: string }).code;
      if (attempt < 3 && /timeout/i.test(message ?? '')) continue;
      throw new Error(`PostgreSQL is not reachable at TEST_DATABASE_URL (${TEST_DATABASE_URL}): the PostgreSQL tests need it (${message})`);
    }
  }
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectAdmin();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const exists = async (client: pg.Client, name: string) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;

/** Builds the template unless it exists; templates of older migrations are dropped. Under the lock, so once per run. */
async function ensureTemplate(client: pg.Client): Promise<void> {
  if (await exists(client, TEMPLATE)) return;
  const old = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'masthead\\_tpl\\_%'");
  for (const { datname } of old.rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  // Built under a temporary name and renamed: a run killed half-way leaves no template that looks finished.
  const building = `${TEMPLATE}_building`;
  await client.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
  await client.query(`CREATE DATABASE "${building}"`);
  const url = urlOf(building);
  const pool = createPool(url, { poolSize: 1 });
  try {
    await migrateDatabase(pool, url);
  } finally {
    await pool.end();
  }
  await client.query(`ALTER DATABASE "${building}" RENAME TO "${TEMPLATE}"`);
}

/** Creates a fresh migrated database for this test and drops it when the test ends; returns its URL. */
export async function freshDatabase(t: Test): Promise<string> {
  const name = `masthead_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK.toString()]);
    try {
      await ensureTemplate(client);
      await client.query(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE}"`);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK.toString()]);
    }
  });
  t.teardown(() => dropDatabase(name));
  return urlOf(name);
}

/** Creates an empty database (no migrations) for this test, dropped when it ends. */
export async function emptyDatabase(t: Test): Promise<string> {
  const name = `masthead_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  t.teardown(() => dropDatabase(name));
  return urlOf(name);
}

/**
 * An empty database owned by a new role that is no superuser (as on most managed services), both
 * dropped when the test ends: its URL as the superuser, the same URL as the role, and the role.
 */
export async function emptyDatabaseOfNewRole(t: Test, prefix: string): Promise<{ url: string; asRole: string; role: string }> {
  const role = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER`));
  // Teardowns run last first: the database (emptyDatabase's) is dropped before the role that owns it.
  t.teardown(() => admin((client) => client.query(`DROP ROLE IF EXISTS ${role}`)));
  const url = await emptyDatabase(t);
  await admin((client) => client.query(`ALTER DATABASE "${new URL(url).pathname.slice(1)}" OWNER TO ${role}`));
  return { url, asRole: Object.assign(new URL(url), { username: role }).toString(), role };
}

/** FORCE ends the connections a failed test may have left open. */
export const dropDatabase = (name: string) => admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined);
