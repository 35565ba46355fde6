import { existsSync } from 'node:fs';
import { documentOf } from '../search/index.js';
import { checkStore, storeName, type StoreConfig } from '../store/open.js';
import { StoreUnusable, type CheckReport } from '../store/port.js';
import { parseCommandLine, UsageError } from './args.js';
import type { CliIo } from './keys.js';

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(2)} s`;

/** One line per finding (notes on stdout, warnings and damage on stderr), then the verdict and the time taken. */
function print(name: string, report: CheckReport, took: string, repair: string, io: CliIo): number {
  for (const { level, message } of report.findings) (level === 'note' ? io.out : io.err)(`${name}: ${level === 'note' ? '' : `${level}: `}${message}`);
  const damage = report.findings.filter((f) => f.level === 'damage');
  const warnings = report.findings.length - damage.length - report.findings.filter((f) => f.level === 'note').length;
  if (damage.length > 0) {
    io.err(`${name}: damaged: ${damage.length === 1 ? damage[0]!.message : `${damage.length} problems, the first: ${damage[0]!.message}`} (checked in ${took}); ${repair}`);
    return 1;
  }
  io.out(`${name}: ${report.subject}, integrity ok${warnings > 0 ? ` (${warnings} warning${warnings > 1 ? 's' : ''} above)` : ''}, in ${took}`);
  return 0;
}

/**
 * `masthead check [FILE]`: the full integrity check of the store (src/store/open.ts checkStore),
 * safe beside running servers: it only reads. Exit code 0 when nothing is damaged (warnings
 * allowed), 1 when something is, 2 for a wrong command line, a missing file or a server that
 * does not answer.
 */
export async function checkCommand(args: string[], io: CliIo, config: StoreConfig): Promise<number> {
  const { positionals } = parseCommandLine({ args, options: {}, allowPositionals: true });
  if (positionals.length > 1) throw new UsageError('check takes at most one FILE');
  if (config.postgres && positionals.length > 0) throw new UsageError('check takes no FILE when DATABASE_URL is set: it checks that database');
  const file = positionals[0] ?? config.databasePath;
  if (!config.postgres && !existsSync(file)) {
    io.err(`${file}: no such database`);
    return 2;
  }
  const name = config.postgres ? storeName(config) : file;
  const started = performance.now();
  let report: CheckReport;
  try {
    report = await checkStore({ ...config, file }, { documentOf: (row) => documentOf(row) });
  } catch (error) {
    if (!(error instanceof StoreUnusable)) throw error;
    io.err(error.message);
    return 2;
  }
  const repair = config.postgres ? 'see docs/backup.md, "PostgreSQL"' : 'restore a backup (masthead restore)';
  return print(name, report, seconds(started), repair, io);
}
