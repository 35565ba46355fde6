import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { StoreUnusable } from '../port.js';
import { ensureRumIndex, type SearchIndexChoice, type SearchSupport } from './rum.js';
import * as schema from './schema.js';

export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };

/** src/store/postgres/ and dist/store/postgres/ both sit three levels below the project root, beside migrations/. */
export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../../migrations/postgres');

export type PoolOptions = {
  /** Connections per process (default 10): several API nodes share the server's max_connections. */
  poolSize?: number;
  /** A statement running longer is cancelled by the server (default 30 s): a runaway query never holds a connection for good. */
  statementTimeoutMs?: number;
  /** A transaction left idle this long is ended by the server (default 60 s), so that a stuck unit cannot hold its locks. */
  idleInTransactionTimeoutMs?: number;
  /** How long to wait for a connection to the server (default 5 s), so that an unreachable host fails start-up instead of hanging it. */
  connectTimeoutMs?: number;
  /** TLS: by default what the URL's `sslmode` says (node-postgres reads it); given here, it wins. */
  ssl?: pg.ClientConfig['ssl'];
};

/**
 * int8 — bigint ids, epoch-ms times, count(*) — arrives as a string from node-postgres, which
 * cannot know it fits a JS number. Every value Masthead stores does (ids and ms are far below
 * 2^53), and one that did not would be a bug to report, not a number to round.
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${text} does not fit a JS number`);
  return n;
}

/**
 * The pool's own type parsers: int8 as numbers for this pool's queries, without changing
 * node-postgres's global table for any other code in the process. Note that drizzle's
 * node-postgres session passes its own per-query parsers built on the global table, so drizzle
 * queries still see int8 as strings: its bigint columns (`mode: 'number'`) convert them, and raw
 * `sql` through drizzle must say `::int` or `.mapWith(Number)`.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** host:port (and database) of a URL, for messages: never the password. */
export function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'an unparsable URL';
  }
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreUnusable('the PostgreSQL URL cannot be parsed; expected postgres://user@host:port/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StoreUnusable(`the PostgreSQL URL must start with postgres:// or postgresql:// (it starts with ${parsed.protocol}//)`);
  }
}

/** Creates the pool (no connection is made yet). */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  checkUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    types: TYPES,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', () => undefined);
  return pool;
}

export const drizzleOf = (pool: pg.Pool): Db => drizzle({ client: pool, schema }) as Db;

/** Why a connection failed, as one line naming the server (node-postgres's own text may be empty: an AggregateError for localhost's two addresses). */
export function unreachable(url: string, error: unknown): StoreUnusable {
  const e = error as { code?: string; message?: string; errors?: { code?: string }[] };
  const code = e.code ?? e.errors?.[0]?.code;
  const where = `PostgreSQL at ${describe(url)}`;
  if (code === 'ECONNREFUSED') return new StoreUnusable(`${where} refused the connection: is the server running?`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new StoreUnusable(`${where}: the host name cannot be resolved`);
  if (code === '3D000') return new StoreUnusable(`${where}: the database does not exist`);
  if (code === '28P01' || code === '28000') return new StoreUnusable(`${where} refused the credentials`);
  if (/timeout/i.test(e.message ?? '')) return new StoreUnusable(`${where} did not answer in time`);
  return new StoreUnusable(`${where} cannot be used: ${(e.message || code || String(error)).split('\n')[0]}`);
}

/** A key of our own for pg_advisory_lock: every Masthead node migrating one database takes the same. */
const MIGRATION_LOCK = 0x6d617374_0001n;

/**
 * Applies pending migrations on one connection holding a session advisory lock: nodes starting at
 * once apply them once, the others wait for the lock and then find nothing to do. The statement
 * timeout is lifted on that connection: waiting for the lock, or building an index, may take
 * longer. Then, under the same lock, the RUM index for search where the server has it (rum.ts).
 * Returns whether the database held no Masthead tables before (a first run), how many migrations
 * ran, and what search ranks with.
 */
export async function migrateDatabase(pool: pg.Pool, url: string, searchIndex: SearchIndexChoice = 'auto'): Promise<{ fresh: boolean; applied: number; search: SearchSupport }> {
  const client = await pool.connect().catch((error: unknown) => {
    throw unreachable(url, error);
  });
  let broken: Error | undefined;
  // Checked out, the client has no pool listener: a connection the server ends between statements would otherwise end the process.
  const lost = (error: Error) => void (broken = error);
  client.on('error', lost);
  try {
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      const fresh = (await client.query<{ n: number }>("SELECT count(*) AS n FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'articles'")).rows[0]!.n === 0;
      const before = await appliedMigrations(client);
      refuseNewer(before.latest, url);
      await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
      const applied = (await appliedMigrations(client)).count - before.count;
      return { fresh, applied, search: await ensureRumIndex(client, searchIndex) };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
    }
  } finally {
    if (!broken) await client.query('RESET statement_timeout').catch((error: Error) => void (broken = error));
    client.removeListener('error', lost);
    client.release(broken);
  }
}

async function appliedMigrations(client: pg.PoolClient): Promise<{ count: number; latest: number | null }> {
  const journal = await client.query("SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present");
  if (!journal.rows[0].present) return { count: 0, latest: null };
  const row = (await client.query<{ count: number; latest: number | null }>('SELECT count(*) AS count, max(created_at) AS latest FROM drizzle.__drizzle_migrations')).rows[0]!;
  return row;
}

/** What a database migrated by a newer Masthead is told by (the time of its latest migration is past this build's last); null when it is not. */
export function newerMigration(latest: number | null): string | null {
  if (latest === null) return null;
  const known = (JSON.parse(readFileSync(resolve(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] }).entries;
  const last = known[known.length - 1]!;
  return latest > last.when ? `the database was migrated by a newer Masthead (a migration of ${new Date(latest).toISOString()}; this build knows up to ${last.tag})` : null;
}

/** A database migrated by a newer Masthead holds what this build does not know: start-up stops, as on SQLite. */
function refuseNewer(latest: number | null, url: string): void {
  const newer = newerMigration(latest);
  if (newer) throw new StoreUnusable(`PostgreSQL at ${describe(url)}: ${newer}; run the newer version`);
}

/** Opens the pool and proves the server answers: an unreachable server or a bad URL is a StoreUnusable of one line. */
export async function openPool(url: string, options: PoolOptions = {}): Promise<pg.Pool> {
  const pool = createPool(url, options);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw unreachable(url, error);
  }
  return pool;
}
