import type { ParseArgsConfig } from 'node:util';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { checkDatabaseFile as check, copyDatabase, restoreDatabase } from '../store/open.js';
import { parseCommandLine, UsageError } from './args.js';
import type { CliIo } from './keys.js';

export type BackupEnv = { databasePath: string };

const mb = (path: string) => `${(statSync(path).size / 1e6).toFixed(1)} MB`;

/**
 * A consistent online copy (made by the store's adapter; for SQLite, VACUUM INTO), written beside its name first
 * and checked, so a failed run leaves no half-written FILE behind.
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
  copyDatabase(env.databasePath, partial);
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
 * Copies a checked backup over DATABASE_PATH and applies the migrations it predates. Stop the
 * server first: it would go on with the data it had cached in memory.
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
  await restoreDatabase(file, env.databasePath);
  io.out(`${env.databasePath}: restored from ${file} (${mb(env.databasePath)}), migrations applied`);
  return 0;
}

/** `masthead backup FILE` and `masthead restore FILE [--force]` (`masthead check` is check.ts). */
export async function backupCommand(command: 'backup' | 'restore', args: string[], io: CliIo, env: BackupEnv): Promise<number> {
  const options: ParseArgsConfig['options'] = command === 'restore' ? { force: { type: 'boolean', default: false } } : {};
  const { values, positionals } = parseCommandLine({ args, options, allowPositionals: true });
  const file = positionals[0];
  if (positionals.length !== 1 || !file) throw new UsageError(`${command} takes one FILE`);
  return command === 'backup' ? backup(file, env, io) : restore(file, (values as { force?: boolean }).force === true, env, io);
}
