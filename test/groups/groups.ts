import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t from 'tap';

/**
 * The suite runs as a few processes, not one per test file: each process pays ~3–4 CPU seconds
 * for tap, tsx and loading the app's modules (zod schemas, fastify, pinyin and jieba
 * dictionaries), which on a 2-core machine was most of the suite's time. Each group file in this
 * folder imports its share of the test files, unchanged, into one process; tap runs the groups
 * side by side (`jobs` in package.json). A test file is still a test file: `npx tap FILE` runs it
 * alone, and a new one anywhere under test/ joins a group by its folder, or `rest` by default.
 */
export const GROUPS = {
  // The PostgreSQL groups first, since a file goes to the first group that matches (cli/ would otherwise
  // be http's). The change feed's fence is cluster-wide: a write transaction of one process holds back
  // the feed that another process's test reads on the same server. So `postgres` is the only group on
  // the server of TEST_DATABASE_URL, and the other PostgreSQL groups each start a server of their own
  // (onServerOfItsOwn), which lets them run side by side.
  postgres: /^store\/postgres\/|^cli\/(postgres|copy|pg-check|pg-backup)\.test\.ts$|^health\/startup-check-pg/,
  'pg-nodes': /^nodes\//,
  articles: /^articles\//,
  http: /^(http|keys|cli)\//,
  syndication: /^(feeds|sitemaps|ninjs)\//,
  search: /^(search|changes)\//,
  transfer: /^(transfer|webhooks)\//,
  bench: /^(bench|demo)\//,
  server: /^(server|hostile-input)\.test\.ts$/,
  rest: /./,
} as const satisfies Record<string, RegExp>;

export type GroupName = keyof typeof GROUPS;

const TEST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function* testFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join(TEST_DIR, 'groups') && entry.name !== 'fixtures') yield* testFiles(path);
    } else if (entry.name.endsWith('.test.ts')) yield relative(TEST_DIR, path);
  }
}

/** Every test file under test/ (paths relative to it) with the one group it runs in. */
export function assignments(): { file: string; group: GroupName }[] {
  const names = Object.keys(GROUPS) as GroupName[];
  return [...testFiles(TEST_DIR)].map((file) => ({ file, group: names.find((g) => GROUPS[g].test(file.split('\\').join('/')))! }));
}

/**
 * Imports the group's test files in order; their top-level `t.test` calls join this process's
 * tap root. A file that fails to load is a failure of its own, and the others still run.
 */
export async function runGroup(group: GroupName) {
  for (const { file, group: g } of assignments()) {
    if (g !== group) continue;
    try {
      await import(pathToFileURL(join(TEST_DIR, file)).href);
    } catch (err) {
      t.fail(`test/${file} failed to load`, { error: err });
    }
  }
}

/**
 * The app-level tests that run a second time, on PostgreSQL (test/groups/postgres.test.ts): every
 * test of these folders that builds its app with buildTestApp (test/helpers/app.ts) then gets a
 * fresh PostgreSQL database instead of SQLite in memory, unchanged, so the same assertions prove the
 * same behaviour on both stores. A file that must reach SQLite says so (the SQLite-specific mark, below) and
 * runs on SQLite only.
 */
export const ON_POSTGRES = /^(articles|sections|sources|related-links|changes|keys|webhooks|feeds|sitemaps|ninjs|search|transfer)\/|^store\/(search|unit-of-work)\.test\.ts$/;
/**
 * The second pass in two processes of about the same length, each on a server of its own
 * (test/groups/pg-routes-*.test.ts); together they are ON_POSTGRES.
 */
export const SECOND_PASS = {
  'pg-routes-content': /^(articles|sections|sources|related-links|keys|feeds|sitemaps|ninjs)\//,
  'pg-routes-feed': /^(changes|webhooks|search|transfer|store)\//,
} as const satisfies Record<string, RegExp>;
// In two pieces, so that this file does not itself carry the mark (test/store/tests-use-the-port.test.ts).
const SQLITE_ONLY = ['//', 'SQLite-specific:'].join(' ');

export async function runOnPostgres(part: keyof typeof SECOND_PASS) {
  process.env.MASTHEAD_TEST_STORE = 'postgres';
  for (const { file } of assignments()) {
    const posix = file.split('\\').join('/');
    if (!ON_POSTGRES.test(posix) || !SECOND_PASS[part].test(posix)) continue;
    const path = join(TEST_DIR, file);
    if (readFileSync(path, 'utf8').includes(SQLITE_ONLY)) continue;
    try {
      await import(pathToFileURL(path).href);
    } catch (err) {
      t.fail(`test/${file} failed to load (on PostgreSQL)`, { error: err });
    }
  }
}

/**
 * Starts a PostgreSQL server of this process's own (test/helpers/pg-servers.ts, serveGroup) and points
 * TEST_DATABASE_URL at it, before any test file reads it (test/helpers/postgres.ts): called first by
 * the runners of the PostgreSQL groups that are not `postgres`. It is stopped when the tests end.
 */
export async function onServerOfItsOwn() {
  const { serveGroup } = await import('../helpers/pg-servers.js');
  try {
    const server = await serveGroup(t);
    process.env.TEST_DATABASE_URL = server.url;
  } catch (err) {
    t.fail('a PostgreSQL server of this test group could not be started (initdb, pg_ctl)', { error: err });
    throw err;
  }
}
