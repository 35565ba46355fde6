/**
 * What `masthead` and each of its commands say about their use. Kept apart from the commands so
 * that help and usage errors load nothing else (a command's code loads only when it runs).
 */
export const KEYS_USAGE = `  masthead keys create --name NAME --scope read|write|admin [--sections a,b] [--sources c]
                                 create an API key and print its secret (shown only this once)
  masthead keys list             list API keys (never their secrets)
  masthead keys revoke ID        revoke an API key at once`;

export const IMPORT_USAGE = `  masthead import FILE|- [--mode upsert|create-only|update-only] [--batch-size N] [--dry-run]
                 [--url URL --key KEY | --database PATH]
                                 import NDJSON (- reads stdin), into a server or straight into a database file
                                 (default DATABASE_URL, else DATABASE_PATH); exit code 1 when any line failed`;

export const EXPORT_USAGE = `  masthead export [--out FILE] [--section S] [--source S] [--updated-since DATE|TIME]
                 [--url URL --key KEY | --database PATH]
                                 write everything as NDJSON in the import format (default: stdout);
                                 --updated-since 2020-01-01 (midnight UTC) or 2020-01-01T08:00:00+08:00`;

export const BACKUP_USAGE = `  masthead backup FILE            a consistent copy of DATABASE_PATH while the server runs and writes go on
                                 (checked for integrity first; FILE must not exist)
  masthead restore FILE [--force] replace DATABASE_PATH with a backup (checked first); --force when it exists
  masthead check [FILE]           the full integrity check of DATABASE_URL, else DATABASE_PATH (or FILE), safe while
                                 servers run; exit code 1 when damaged`;

export const COPY_USAGE = `  masthead copy --from A --to B   copy a whole newsroom between databases, each a SQLite file or a postgres:// URL:
                                 content, revisions, old slugs, keys, webhooks and their deliveries, the change
                                 feed (partners' cursors go on); B must be new or empty; verified by counts and
                                 checksums, exit code 1 (and nothing kept) when they differ`;

export const SERVE_USAGE = '  masthead serve                 start the API server (configured by environment variables, see README)';
export const MIGRATE_USAGE = '  masthead migrate               apply pending database migrations to DATABASE_URL, else DATABASE_PATH';
export const REINDEX_USAGE = '  masthead reindex               rebuild the search index from the articles in the database';
export const OPENAPI_USAGE = '  masthead openapi [--out FILE]  write the OpenAPI document (default openapi/openapi.json; - for stdout)';

/** Each command's part of the usage, for `masthead CMD --help`, `masthead help CMD` and its usage errors. */
export const USAGES: Record<string, string> = {
  serve: SERVE_USAGE,
  migrate: MIGRATE_USAGE,
  reindex: REINDEX_USAGE,
  openapi: OPENAPI_USAGE,
  keys: `${KEYS_USAGE}\n\nThe keys commands work on DATABASE_URL, else DATABASE_PATH (migrated first).`,
  import: IMPORT_USAGE,
  export: EXPORT_USAGE,
  copy: COPY_USAGE,
  backup: BACKUP_USAGE,
  restore: BACKUP_USAGE,
  check: BACKUP_USAGE,
};

export const USAGE = `masthead — a headless CMS for newsrooms

Usage:
${SERVE_USAGE}
${MIGRATE_USAGE}
${REINDEX_USAGE}
${OPENAPI_USAGE}
${KEYS_USAGE}
${IMPORT_USAGE}
${EXPORT_USAGE}
${COPY_USAGE}
${BACKUP_USAGE}
  masthead help [COMMAND]        show this text, or one command's; so does masthead COMMAND --help

The commands work on DATABASE_URL (PostgreSQL), else DATABASE_PATH (SQLite), migrated first (check
only reads); backup and restore on DATABASE_PATH only (PostgreSQL has pg_dump and pg_restore); copy
on the two it names. In a checkout, run it as
npx masthead …  or  npm run masthead -- … (see README, "The masthead command").
`;
