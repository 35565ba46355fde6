import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../common/errors.js';
import { documentOf } from '../search/index.js';
import { openStore, storeName, type StoreConfig } from '../store/open.js';
import type { Store } from '../store/port.js';
import { copyStore, CopyMismatch, DestinationNotEmpty, differs, type TableReport } from '../transfer/copy.js';
import { parseCommandLine, UsageError } from './args.js';
import { CliFailure, onDatabase } from './failure.js';
import { createProgress, type ProgressStream } from './progress.js';

export type CopyIo = { out: (line: string) => void; err: (line: string) => void; progress: ProgressStream };

const isUrl = (where: string) => /^postgres(ql)?:\/\//i.test(where);

/** A SQLite file path or a PostgreSQL URL, as a store configuration: two connections are all a copy uses. */
const configOf = (where: string): StoreConfig =>
  isUrl(where) ? { databasePath: '', postgres: { url: where, poolSize: 2, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000 } } : { databasePath: where };

const sameDatabase = (a: string, b: string) => (isUrl(a) || isUrl(b) ? a === b : resolve(a) === resolve(b));

/** The short table of what was compared: rows and checksum of each table on both sides. */
function printReport(report: TableReport[], out: (line: string) => void): void {
  const row = (cells: string[]) => out(`${cells[0]!.padEnd(22)}${cells[1]!.padStart(10)}${cells[2]!.padStart(10)}  ${cells[3]!.padEnd(18)}${cells[4]!.padEnd(18)}${cells[5]}`.trimEnd());
  row(['table', 'rows', 'copied', 'checksum', 'copied checksum', '']);
  for (const r of report) {
    row([r.table, r.source.rows.toLocaleString('en'), r.destination.rows.toLocaleString('en'), r.source.checksum, r.destination.checksum, differs(r) ? 'DIFFERS' : 'ok']);
  }
}

/** A new SQLite file that a failed copy created is removed with its WAL, so that nothing half-made looks like a database. */
const removeFile = (path: string) => ['', '-wal', '-shm'].forEach((suffix) => rmSync(`${path}${suffix}`, { force: true }));

async function run(from: string, to: string, io: CopyIo): Promise<number> {
  if (!isUrl(from) && !existsSync(from)) {
    io.err(`${from}: no such database`);
    return 2;
  }
  const created = !isUrl(to) && !existsSync(to);
  const source = configOf(from);
  const destination = configOf(to);
  const opened: Store[] = [];
  const open = async (config: StoreConfig) => {
    const { store } = await onDatabase(storeName(config), () => openStore(config));
    opened.push(store);
    return store;
  };
  const started = performance.now();
  let kept = false;
  try {
    const report = await copyStore(await open(source), await open(destination), {
      documentOf: (row) => documentOf(row),
      progress: (table, total) => {
        const bar = createProgress(io.progress, `copy ${table}`, undefined, 'rows');
        const detail = `of ${total.toLocaleString('en')}`;
        return { update: (rows) => bar.update({ lines: rows, detail }), done: (rows) => bar.done({ lines: rows, detail }) };
      },
    });
    kept = true;
    printReport(report, io.out);
    const rows = report.reduce((n, r) => n + r.destination.rows, 0);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    io.out(`copied ${storeName(source)} to ${storeName(destination)}: ${report.length} tables, ${rows.toLocaleString('en')} rows, counts and checksums verified, in ${seconds} s`);
    return 0;
  } catch (error) {
    if (error instanceof DestinationNotEmpty) {
      io.err(`${storeName(destination)}: not empty (${error.table} has rows): masthead copy writes only into a new database (a new file, or a database made with createdb), and changed nothing`);
      return 2;
    }
    if (error instanceof CopyMismatch) {
      printReport(error.report, io.out);
      io.err(`${error.message}: rolled back, ${storeName(destination)} is as it was`);
      return 1;
    }
    if (error instanceof AppError) throw new CliFailure(`the copy failed and was rolled back (${storeName(destination)} is as it was): ${error.message}`);
    throw error;
  } finally {
    for (const store of opened) await store.close().catch(() => undefined);
    if (created && !kept) removeFile(to);
  }
}

/** `masthead copy --from A --to B`: each a SQLite file or a postgres:// URL. */
export async function copyCommand(args: string[], io: CopyIo): Promise<number> {
  const { values, positionals } = parseCommandLine({ args, options: { from: { type: 'string' }, to: { type: 'string' } }, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (!values.from || !values.to) throw new UsageError('copy needs --from and --to');
  if (sameDatabase(values.from, values.to)) throw new UsageError('--from and --to name the same database');
  return run(values.from, values.to, io);
}
