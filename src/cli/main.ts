#!/usr/bin/env node
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig, type Config } from '../config.js';
import type { StoreConfig } from '../store/open.js';
import { parseCommandLine, wantsHelp } from './args.js';
import { CliFailure, guard, onDatabase } from './failure.js';
import type { TransferIo } from './import.js';
import { USAGE, USAGES } from './usage.js';

/** Messages and progress go to stderr: stdout carries the summary, or the data of `export`. */
const transferIo = (): TransferIo => ({
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  progress: process.stderr,
  stdin: process.stdin,
});

/** The store the configuration names: PostgreSQL when DATABASE_URL is set, else the SQLite file. */
/** The commands read and write the primary: a replica is for the server's anonymous readers. */
const storeOf = (config: Config): StoreConfig => ({ databasePath: config.databasePath, postgres: config.postgres && { ...config.postgres, replica: null } });

/** Commands that take no arguments refuse any, rather than ignoring a mistyped flag. */
const noArguments = (args: string[]) => void parseCommandLine({ args, options: {} });

/** What `backup` and `restore` say on PostgreSQL, whose own tools do the job (docs/backup.md, "PostgreSQL"). */
const postgresRefusal = (command: 'backup' | 'restore') =>
  command === 'backup'
    ? 'masthead backup works on a SQLite file, and DATABASE_URL names PostgreSQL: back it up with pg_dump --format=custom --file=FILE "$DATABASE_URL" (the whole database, one consistent snapshot, while the servers run), or in production with continuous archiving (PITR) or the managed service\'s backups; see docs/backup.md, "PostgreSQL"'
    : 'masthead restore works on a SQLite file, and DATABASE_URL names PostgreSQL: restore a pg_dump with pg_restore --no-owner --exit-on-error --dbname=URL FILE into a new, empty database, then run masthead migrate and masthead check on it; see docs/backup.md, "PostgreSQL"';

/** Runs one command; its code is loaded only then, so that help and usage errors answer at once. */
async function run(command: string, rest: string[]): Promise<number> {
  switch (command) {
    case 'serve': {
      noArguments(rest);
      const { startServer } = await import('../server.js');
      await startServer(loadConfig());
      return -1;
    }
    case 'migrate': {
      noArguments(rest);
      const where = storeOf(loadConfig());
      const { migrateStore, storeName } = await import('../store/open.js');
      const { fresh, notices } = await onDatabase(storeName(where), () => migrateStore(where));
      console.log(`${storeName(where)}: migrations applied${fresh ? ' (new database)' : ''}`);
      for (const { level, message } of notices) (level === 'warn' ? console.error : console.log)(`${storeName(where)}: ${message}`);
      return 0;
    }
    case 'keys': {
      const where = storeOf(loadConfig());
      const { openStore, storeName } = await import('../store/open.js');
      const { keysCommand } = await import('./keys.js');
      return onDatabase(storeName(where), async () => {
        const { store } = await openStore(where);
        try {
          return await keysCommand(rest, store, { out: (l) => console.log(l), err: (l) => console.error(l) });
        } finally {
          await store.close();
        }
      });
    }
    case 'reindex': {
      noArguments(rest);
      const where = storeOf(loadConfig());
      const { openStore, storeName } = await import('../store/open.js');
      const { reindex } = await import('../search/index.js');
      const { articles, ms } = await onDatabase(storeName(where), async () => {
        const { store } = await openStore(where);
        try {
          return await reindex(store);
        } finally {
          await store.close();
        }
      });
      console.log(`${storeName(where)}: search index rebuilt, ${articles} articles in ${(ms / 1000).toFixed(2)} s`);
      return 0;
    }
    case 'import': {
      const { importCommand } = await import('./import.js');
      return importCommand(rest, transferIo(), storeOf(loadConfig()));
    }
    case 'export': {
      const { exportCommand } = await import('./export.js');
      return exportCommand(rest, { ...transferIo(), stdout: process.stdout }, storeOf(loadConfig()));
    }
    case 'copy': {
      const { copyCommand } = await import('./copy.js');
      return copyCommand(rest, { out: (l) => console.log(l), err: (l) => console.error(l), progress: process.stderr });
    }
    case 'check': {
      const { checkCommand } = await import('./check.js');
      return checkCommand(rest, { out: (l) => console.log(l), err: (l) => console.error(l) }, storeOf(loadConfig()));
    }
    case 'backup':
    case 'restore': {
      const config = loadConfig();
      if (config.postgres) throw new CliFailure(postgresRefusal(command));
      const { backupCommand } = await import('./backup.js');
      return backupCommand(command, rest, { out: (l) => console.log(l), err: (l) => console.error(l) }, { databasePath: config.databasePath });
    }
    case 'openapi': {
      const { values } = parseCommandLine({ args: rest, options: { out: { type: 'string', default: 'openapi/openapi.json' } } });
      const { generateOpenApi } = await import('./openapi.js');
      const doc = await generateOpenApi();
      if (values.out === '-') process.stdout.write(doc);
      else {
        mkdirSync(dirname(values.out!), { recursive: true });
        writeFileSync(values.out!, doc);
        console.log(`wrote ${values.out}`);
      }
      return 0;
    }
    default:
      throw new Error(`masthead ${command} has a usage but no handler`);
  }
}

async function main(argv: string[]): Promise<number> {
  let [command = 'help', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    if (rest.length === 0) {
      process.stdout.write(USAGE);
      return 0;
    }
    [command, ...rest] = [rest[0]!, '--help'];
  }
  const usage = USAGES[command];
  if (!usage) {
    process.stderr.write(`Unknown command: ${command}\n\n${USAGE}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(`Usage:\n${usage}\n`);
    return 0;
  }
  return guard({ err: (l) => console.error(l) }, usage, () => run(command, rest));
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
