import type pg from 'pg';
import type { CheckFinding } from '../port.js';
import { rows } from './query.js';

/**
 * The physical half of `masthead check` on PostgreSQL: the server's own checks of the pages of
 * Masthead's tables and B-tree indexes, from the `amcheck` extension (contrib, in every
 * PostgreSQL 15 package), and what the server knows of checksum failures.
 *
 * - `verify_heapam(table, check_toast => true)` reads every page of a table and of its TOAST
 *   table and returns a row per corrupt tuple;
 * - `bt_index_check(index, heapallindexed => true)` checks a B-tree's ordering and structure, and
 *   that every row of its table has its entry; it raises an error at the first damage.
 *
 * Both take an ACCESS SHARE lock only (what a SELECT takes): writers go on. A lock that another
 * session holds exclusively (a migration) is waited for at most `lock_timeout` (set by the caller),
 * then the object is reported as not checked. Neither writes, and neither needs a transaction id,
 * so the change feed's fence (feed.ts) is not held back.
 *
 * amcheck is not a trusted extension: creating it needs a superuser. When it is not there, the
 * check creates it if the role may, and drops it at the end (it leaves nothing behind); when it may
 * not, one warning says so and the logical checks go on. Its functions are revoked from PUBLIC: a
 * role that is not a superuser needs EXECUTE on them (docs/postgres.md).
 *
 * GIN and RUM indexes (the search index) have no amcheck function before PostgreSQL 18: they are
 * listed, not checked.
 */

const INSUFFICIENT_PRIVILEGE = '42501';
const LOCK_NOT_AVAILABLE = '55P03';

type Found = (finding: CheckFinding) => void;
type Relation = { oid: number; name: string };
type Index = Relation & { table: string; method: string; valid: boolean };

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const codeOf = (error: unknown) => (error as { code?: string }).code;
const firstLine = (error: unknown) => String((error as Error).message ?? error).split('\n')[0];

/** Masthead's tables (the current schema's, and drizzle's migration journal) and their indexes. */
export async function relations(client: pg.ClientBase): Promise<{ tables: Relation[]; indexes: Index[] }> {
  const tables = await rows<Relation>(
    client,
    `SELECT c.oid::int8 AS oid, c.oid::regclass::text AS name FROM pg_class c
     WHERE c.relkind = 'r' AND (c.relnamespace = current_schema()::regnamespace OR c.oid = to_regclass('drizzle.__drizzle_migrations'))
     ORDER BY c.relname`,
  );
  const indexes = await rows<Index>(
    client,
    `SELECT c.oid::int8 AS oid, c.oid::regclass::text AS name, i.indrelid::regclass::text AS "table", am.amname AS method, i.indisvalid AND i.indisready AS valid
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
     WHERE i.indrelid = ANY($1::int8[]::oid[]) ORDER BY c.relname`,
    [tables.map((t) => t.oid)],
  );
  return { tables, indexes };
}

/** Whether data checksums are on, and the failures PostgreSQL recorded in this database if so. */
export async function checksums(client: pg.ClientBase, found: Found): Promise<void> {
  const [state] = await rows<{ on: boolean; failures: number | null; last: string | null }>(
    client,
    `SELECT current_setting('data_checksums') = 'on' AS on, checksum_failures AS failures, checksum_last_failure::text AS last
     FROM pg_stat_database WHERE datname = current_database()`,
  );
  if (!state?.on) {
    found({ level: 'note', message: 'data checksums are off: PostgreSQL notices a damaged page only when a check like this one reads it (pg_checksums --enable turns them on, with the server stopped)' });
  } else if ((state.failures ?? 0) > 0) {
    found({ level: 'damage', message: `PostgreSQL recorded ${state.failures} data checksum failures in this database (the last at ${state.last}): a page on disk was damaged` });
  } else found({ level: 'note', message: 'data checksums are on; PostgreSQL recorded no failure in this database' });
}

/** The schema amcheck's functions are in, creating the extension where it is missing and the role may; null (and why) when it cannot be had. */
async function amcheck(client: pg.ClientBase): Promise<{ schema: string; created: boolean } | { missing: string }> {
  const [state] = await rows<{ schema: string | null; available: boolean; role: string }>(
    client,
    `SELECT (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'amcheck') AS schema,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck') AS available, current_user AS role`,
  );
  if (state!.schema) return { schema: state!.schema, created: false };
  if (!state!.available) return { missing: 'the server has no amcheck extension (PostgreSQL contrib)' };
  try {
    await client.query('CREATE EXTENSION amcheck');
  } catch (error) {
    if (codeOf(error) !== INSUFFICIENT_PRIVILEGE) throw error;
    return { missing: `amcheck is not installed and role ${state!.role} may not create it (a superuser runs CREATE EXTENSION amcheck once)` };
  }
  const [made] = await rows<{ schema: string }>(client, "SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'amcheck'");
  return { schema: made!.schema, created: true };
}

class NotAllowed extends Error {}

/** Runs one amcheck statement; a lock held too long is a warning, a refusal of the role stops the physical check (NotAllowed). */
async function attempt(client: pg.ClientBase, what: string, found: Found, work: () => Promise<void>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    const code = codeOf(error);
    if (code === INSUFFICIENT_PRIVILEGE) throw new NotAllowed(firstLine(error));
    if (code === LOCK_NOT_AVAILABLE) found({ level: 'warning', message: `${what}: not checked, another session holds a lock on it (a migration, a REINDEX); run the check again` });
    else found({ level: 'damage', message: `${what}: ${firstLine(error)}` });
    return false;
  }
}

async function checkTable(client: pg.ClientBase, fn: string, table: Relation, found: Found): Promise<void> {
  await attempt(client, `table ${table.name}`, found, async () => {
    const bad = await rows<{ blkno: number; offnum: number; attnum: number | null; msg: string }>(
      client,
      `SELECT blkno, offnum, attnum, msg FROM ${fn}verify_heapam($1::int8::oid::regclass, check_toast => true)`,
      [table.oid],
    );
    for (const b of bad.slice(0, 5)) {
      found({ level: 'damage', message: `table ${table.name}, page ${b.blkno}, tuple ${b.offnum}${b.attnum === null ? '' : `, column ${b.attnum}`}: ${b.msg}` });
    }
    if (bad.length > 5) found({ level: 'damage', message: `table ${table.name}: ${bad.length - 5} more damaged tuples` });
  });
}

/**
 * Checks every table's pages and every valid B-tree index of Masthead's tables; adds what it
 * finds. Returns how many tables and indexes it went through, and whether amcheck could run.
 */
export async function checkPhysical(client: pg.ClientBase, found: Found): Promise<{ tables: number; indexes: number; amcheck: boolean }> {
  await checksums(client, found);
  const { tables, indexes } = await relations(client);
  const ext = await amcheck(client);
  if ('missing' in ext) {
    found({ level: 'warning', message: `${ext.missing}: the pages of tables and indexes were not checked, only Masthead's own rules` });
    return { tables: tables.length, indexes: indexes.length, amcheck: false };
  }
  const fn = `${ident(ext.schema)}.`;
  try {
    for (const table of tables) await checkTable(client, fn, table, found);
    for (const index of indexes) {
      // An index that is not valid has nothing to check; checkCatalogue (quick-check.ts) reports it as damage.
      if (index.valid && index.method === 'btree') {
        await attempt(client, `index ${index.name} on ${index.table}`, found, async () => {
          await client.query(`SELECT ${fn}bt_index_check($1::int8::oid::regclass, heapallindexed => true)`, [index.oid]);
        });
      }
    }
  } catch (error) {
    if (!(error instanceof NotAllowed)) throw error;
    found({ level: 'warning', message: `amcheck refused this role (${error.message}): a superuser runs the check, or grants EXECUTE on verify_heapam and bt_index_check; the pages were not all checked` });
    return { tables: tables.length, indexes: indexes.length, amcheck: false };
  } finally {
    if (ext.created) await client.query('DROP EXTENSION IF EXISTS amcheck');
  }
  const others = indexes.filter((i) => i.valid && i.method !== 'btree');
  if (others.length > 0) {
    found({ level: 'note', message: `${others.map((i) => `${i.name} (${i.method})`).join(', ')}: PostgreSQL 15 has no amcheck for these index types; the search index's rows were checked instead` });
  }
  if (ext.created) found({ level: 'note', message: 'amcheck was created for the check and dropped after it' });
  return { tables: tables.length, indexes: indexes.length, amcheck: true };
}
