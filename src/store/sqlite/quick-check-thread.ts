import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { QuickCheckData, QuickCheckMessage } from './quick-check.js';

/**
 * The start-up quick check's thread (quick-check.ts): a read-only connection of its own, and the
 * lowest CPU priority (nice 19). On Linux a nice value belongs to a thread, and setPriority() without a pid
 * sets the calling one's: this thread yields the cores to the request loop, which keeps its own.
 */
const port = parentPort!;
const { path, pauseMs, cacheMiB, nice } = workerData as QuickCheckData;
const send = (message: QuickCheckMessage) => port.postMessage(message);

try {
  setPriority(nice);
} catch {
  // Where a thread's priority cannot be lowered the check still runs, on equal terms.
}

/** Damage SQLite reports by failing the statement rather than in quick_check's rows. */
const isDamage = (error: unknown) => /^SQLITE_(CORRUPT|NOTADB)/.test((error as { code?: string }).code ?? '');

/** Each table's rows and indexes (`PRAGMA quick_check(table)`): a damaged page is named by its table. */
function checkTable(db: Database.Database, table: string): string[] {
  try {
    const rows = db.prepare(`PRAGMA quick_check("${table.replaceAll('"', '""')}")`).pluck().all() as string[];
    return rows[0] === 'ok' ? [] : rows.map((problem) => `table ${table}: ${problem}`);
  } catch (error) {
    if (isDamage(error)) return [`table ${table}: ${(error as Error).message}`];
    throw error;
  }
}

async function run(): Promise<void> {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new Error(`${path} could not be opened (${(error as Error).message}): was the file moved or deleted?`);
  }
  try {
    db.pragma(`cache_size = ${-cacheMiB * 1024}`);
    // Virtual tables are left out: quick_check on FTS5's runs FTS5's own full check (seconds per 10k
    // articles), which is masthead check's. Its shadow tables, which hold the index, are checked.
    let tables: string[];
    try {
      tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name").pluck().all() as string[];
    } catch (error) {
      if (!isDamage(error)) throw error;
      send({ kind: 'total', n: 1 });
      send({ kind: 'checked', damage: [`the schema (sqlite_schema): ${(error as Error).message}`] });
      return;
    }
    send({ kind: 'total', n: tables.length });
    for (const table of tables) {
      // Each table in a read transaction of its own: between them, checkpoints move on and the pause lets the request loop's reads have the disk.
      send({ kind: 'checked', damage: checkTable(db, table) });
      await sleep(pauseMs);
    }
  } finally {
    db.close();
  }
}

run().then(
  () => send({ kind: 'done' }),
  (error: unknown) => send({ kind: 'failed', message: (error as Error)?.message ?? String(error) }),
);
