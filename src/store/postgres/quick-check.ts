import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type pg from 'pg';
import type { QuickCheck } from '../integrity.js';
import type { CheckFinding } from '../port.js';
import { checksums, relations } from './amcheck.js';
import { MIGRATIONS_FOLDER, newerMigration } from './connection.js';
import { rows } from './query.js';

type Found = (finding: CheckFinding) => void;
type Snapshot = { tables: Record<string, { name: string; indexes: Record<string, unknown>; compositePrimaryKeys: Record<string, { name: string }>; uniqueConstraints: Record<string, { name: string }>; columns: Record<string, { primaryKey?: boolean }> }> };

/** The tables and indexes of this build's last migration, as drizzle-kit's snapshot of it records them. */
function expectedSchema(): { tables: string[]; indexes: { name: string; table: string }[] } {
  const journal = JSON.parse(readFileSync(resolve(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: { idx: number }[] };
  const last = journal.entries[journal.entries.length - 1]!.idx;
  const snapshot = JSON.parse(readFileSync(resolve(MIGRATIONS_FOLDER, `meta/${String(last).padStart(4, '0')}_snapshot.json`), 'utf8')) as Snapshot;
  const tables = Object.values(snapshot.tables);
  return {
    tables: tables.map((t) => t.name),
    indexes: tables.flatMap((t) => [
      // A single-column primary key gets PostgreSQL's name for it; a composite one, or a unique constraint, the name the snapshot gives.
      ...(Object.values(t.columns).some((c) => c.primaryKey) ? [{ name: `${t.name}_pkey`, table: t.name }] : []),
      ...[...Object.values(t.compositePrimaryKeys), ...Object.values(t.uniqueConstraints)].map((c) => ({ name: c.name, table: t.name })),
      ...Object.keys(t.indexes).map((name) => ({ name, table: t.name })),
    ]),
  };
}

let expected: ReturnType<typeof expectedSchema> | undefined;

/**
 * What PostgreSQL's catalogue says of Masthead's schema, on either check: every table and index of
 * the last migration is there, and every index of Masthead's tables (the search index's RUM one
 * too) is valid and ready. An index left invalid (a CREATE INDEX CONCURRENTLY or REINDEX that was
 * interrupted) is not kept up to date by writes and not used by reads; a missing one leaves a
 * unique rule unenforced. Each is damage. How many objects it went through.
 */
export async function checkCatalogue(client: pg.ClientBase, found: Found): Promise<number> {
  expected ??= expectedSchema();
  const { tables, indexes } = await relations(client);
  const present = new Set(tables.map((t) => t.name));
  for (const table of expected.tables) if (!present.has(table)) found({ level: 'damage', message: `table ${table} is missing: masthead migrate cannot make it again, restore a backup` });
  const indexNames = new Set(indexes.map((i) => i.name));
  for (const index of expected.indexes) {
    if (present.has(index.table) && !indexNames.has(index.name)) found({ level: 'damage', message: `index ${index.name} on ${index.table} is missing: the migration that made it has its CREATE statement` });
  }
  for (const index of indexes) {
    if (!index.valid) found({ level: 'damage', message: `index ${index.name} on ${index.table} is not valid (an interrupted CREATE INDEX CONCURRENTLY or REINDEX): REINDEX INDEX ${index.name} builds it again` });
  }
  return expected.tables.length + expected.indexes.length;
}

/**
 * PostgreSQL's quick check at start-up: catalogue reads, tens of milliseconds. The schema of the
 * last migration present and its indexes valid (checkCatalogue), no checksum failure recorded in
 * this database, and no migration of a newer Masthead applied under this node since it started.
 * amcheck's page checks, which read every page, are masthead check's.
 */
export function postgresQuickCheck(pool: pg.Pool): QuickCheck {
  return async (progress) => {
    const client = await pool.connect();
    try {
      const damage: string[] = [];
      const found: Found = (f) => void (f.level === 'damage' && damage.push(f.message));
      const objects = await checkCatalogue(client, found);
      progress.total(objects + 2);
      progress.checked(damage.splice(0), objects);
      await checksums(client, found);
      progress.checked(damage.splice(0));
      const [journal] = await rows<{ latest: number | null }>(
        client,
        "SELECT CASE WHEN to_regclass('drizzle.__drizzle_migrations') IS NULL THEN NULL ELSE (SELECT max(created_at)::int8 FROM drizzle.__drizzle_migrations) END AS latest",
      );
      const newer = newerMigration(journal?.latest ?? null);
      progress.checked(newer ? [`${newer}: this node must be upgraded`] : []);
    } finally {
      client.release();
    }
  };
}
