import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { migrateDatabase, openDatabase } from './connection.js';

/** `ok`, or SQLite's first complaint about the file (or that it is not a Masthead database). */
export function checkDatabaseFile(path: string): string {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const result = db.pragma('integrity_check', { simple: true }) as string;
    if (result !== 'ok') return result;
    const articles = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'articles'").pluck().get() as number;
    return articles === 1 ? 'ok' : 'not a Masthead database (no articles table)';
  } catch (error) {
    return (error as Error).message;
  } finally {
    db?.close();
  }
}

/**
 * VACUUM INTO reads the whole database in one read transaction: the copy is the database as of
 * the moment it began, every write committed before then included, while the server goes on
 * reading and writing (WAL: a reader neither waits for writers nor holds them up). SQLite's
 * backup API would start over each time another connection writes, and might never finish
 * under steady writes.
 */
export function copyDatabase(databasePath: string, target: string): void {
  const source = openDatabase(databasePath);
  try {
    source.$client.prepare('VACUUM INTO ?').run(resolve(target));
  } finally {
    source.$client.close();
  }
}

/** Copies a backup over the database with SQLite's backup API (page by page, through a connection, so the WAL is handled), then migrates it. */
export async function restoreDatabase(backup: string, databasePath: string): Promise<void> {
  const source = new Database(backup, { readonly: true });
  try {
    await source.backup(databasePath);
  } finally {
    source.close();
  }
  const db = openDatabase(databasePath);
  try {
    migrateDatabase(db);
  } finally {
    db.$client.close();
  }
}
