#!/usr/bin/env node
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { migrateDatabase, openDatabase } from '../store/sqlite/connection.js';
import { startServer } from '../server.js';
import { KEYS_USAGE, keysCommand } from './keys.js';
import { reindex } from '../search/index.js';
import { generateOpenApi } from './openapi.js';
import { EXPORT_USAGE, exportCommand } from './export.js';
import { IMPORT_USAGE, importCommand, type TransferIo } from './import.js';
import { BACKUP_USAGE, backupCommand } from './backup.js';

const USAGE = `masthead — a headless CMS for newsrooms

Usage:
  masthead serve                 start the API server (configured by environment variables, see README)
  masthead migrate               apply pending database migrations to DATABASE_PATH
  masthead reindex               rebuild the search index from the articles in DATABASE_PATH
  masthead openapi [--out FILE]  write the OpenAPI document (default openapi/openapi.json; - for stdout)
${KEYS_USAGE}
${IMPORT_USAGE}
${EXPORT_USAGE}
${BACKUP_USAGE}
  masthead help                  show this text

The keys commands work on DATABASE_PATH (migrated first).
`;

/** Messages and progress go to stderr: stdout carries the summary, or the data of `export`. */
const transferIo = (): TransferIo => ({
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  progress: process.stderr,
  stdin: process.stdin,
});

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'serve':
      await startServer(loadConfig());
      return -1;
    case 'migrate': {
      const config = loadConfig();
      const db = openDatabase(config.databasePath);
      const { fresh } = migrateDatabase(db);
      db.$client.close();
      console.log(`${config.databasePath}: migrations applied${fresh ? ' (new database)' : ''}`);
      return 0;
    }
    case 'keys': {
      const db = openDatabase(loadConfig().databasePath);
      try {
        migrateDatabase(db);
        return await keysCommand(rest, db, { out: (l) => console.log(l), err: (l) => console.error(l) });
      } finally {
        db.$client.close();
      }
    }
    case 'reindex': {
      const config = loadConfig();
      const db = openDatabase(config.databasePath);
      migrateDatabase(db);
      const { articles, ms } = reindex(db);
      db.$client.close();
      console.log(`${config.databasePath}: search index rebuilt, ${articles} articles in ${(ms / 1000).toFixed(2)} s`);
      return 0;
    }
    case 'import':
      return importCommand(rest, transferIo(), { databasePath: loadConfig().databasePath });
    case 'export':
      return exportCommand(rest, { ...transferIo(), stdout: process.stdout }, { databasePath: loadConfig().databasePath });
    case 'backup':
    case 'restore':
      return backupCommand(command, rest, { out: (l) => console.log(l), err: (l) => console.error(l) }, { databasePath: loadConfig().databasePath });
    case 'openapi': {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string', default: 'openapi/openapi.json' } } });
      const doc = await generateOpenApi();
      if (values.out === '-') process.stdout.write(doc);
      else {
        mkdirSync(dirname(values.out!), { recursive: true });
        writeFileSync(values.out!, doc);
        console.log(`wrote ${values.out}`);
      }
      return 0;
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `${err?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
