import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { migrateDatabase, openDatabase } from '../store/sqlite/connection.js';
import type { CliIo } from './keys.js';

export const BACKUP_USAGE = `  masthead backup FILE            a consistent copy of DATABASE_PATH while the server runs and writes go on
                                 (checked with PRAGMA integrity_check; FILE must not exist)
  masthead restore FILE [--force] replace DATABASE_PATH with a backup (checked first); --force when it exists`;

export type BackupEnv = { databasePath: string };

/** `ok`, or SQLite's first complaint about the file (or that it is not a Masthead database). */
function check(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const result = db.pragma('integrity_check', { simple: true }) as string;
    if (result !== 'ok') return result;
    const articles = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'articles'").pluck().get() as number;
    return articles === 1 ? 'ok' : 'not a Masthead database (no articles table)';
  } catch (error) {
    return (error as Error).message;
  } finally {
    db.close();
  }
}

const mb = (path: string) => `${(statSync(path).size / 1e6).toFixed(1)} MB`;

/**
 * VACUUM INTO reads the whole database in one read transaction: the copy is the database as of
 * the moment it began, every write committed before then included, while the server goes on
 * reading and writing (WAL: a reader neither waits for writers nor holds them up). SQLite's
 * backup API would start over each time another connection writes, and might never finish
 * under steady writes. The copy is written beside its name first, so a failed run leaves no
 * half-written FILE behind.
 */
async function backup(file: string, env: BackupEnv, io: CliIo): Promise<number> {
  if (!existsSync(env.databasePath)) {
    io.err(`${env.databasePath}: no such database`);
    return 2;
  }
  if (existsSync(file)) {
    io.err(`${file}: exists already; give a new file name`);
    return 2;
  }
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  const started = performance.now();
  const source = openDatabase(env.databasePath);
  try {
    source.$client.prepare('VACUUM INTO ?').run(resolve(partial));
  } finally {
    source.$client.close();
  }
  const verdict = check(partial);
  if (verdict !== 'ok') {
    rmSync(partial, { force: true });
    io.err(`the copy failed its check: ${verdict}`);
    return 1;
  }
  renameSync(partial, file);
  io.out(`${file}: backup of ${env.databasePath}, ${mb(file)}, integrity ok, in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  return 0;
}

/**
 * Copies a checked backup over DATABASE_PATH with SQLite's backup API (page by page, through a
 * connection, so the file's WAL is handled), then applies the migrations the backup predates.
 * Stop the server first: it would go on with the data it had cached in memory.
 */
async function restore(file: string, force: boolean, env: BackupEnv, io: CliIo): Promise<number> {
  if (!existsSync(file)) {
    io.err(`${file}: no such file`);
    return 2;
  }
  if (existsSync(env.databasePath) && !force) {
    io.err(`${env.databasePath} exists; add --force to replace it with ${file} (stop the server first)`);
    return 2;
  }
  const verdict = check(file);
  if (verdict !== 'ok') {
    io.err(`${file}: not restored, it failed its check: ${verdict}`);
    return 1;
  }
  const source = new Database(file, { readonly: true });
  try {
    await source.backup(env.databasePath);
  } finally {
    source.close();
  }
  const db = openDatabase(env.databasePath);
  try {
    migrateDatabase(db);
  } finally {
    db.$client.close();
  }
  io.out(`${env.databasePath}: restored from ${file} (${mb(env.databasePath)}), migrations applied`);
  return 0;
}

/** `masthead backup FILE` and `masthead restore FILE [--force]`. */
export async function backupCommand(command: 'backup' | 'restore', args: string[], io: CliIo, env: BackupEnv): Promise<number> {
  const force = args.includes('--force');
  const positionals = args.filter((a) => a !== '--force');
  const file = positionals[0];
  if (positionals.length !== 1 || !file || file.startsWith('-') || (command === 'backup' && force)) {
    io.err(`usage:\n${BACKUP_USAGE}`);
    return 2;
  }
  return command === 'backup' ? backup(file, env, io) : restore(file, force, env, io);
}
