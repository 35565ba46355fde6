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
  // With the second pass of the route tests (runOnPostgres) in one process: the change feed's fence is
  // cluster-wide, so a write transaction of another test process would hold back the feed a test reads.
  // First, since a file goes to the first group that matches (cli/ would otherwise be http's).
  postgres: /^store\/postgres\/|^nodes\/|^cli\/(postgres|copy|pg-check|pg-backup)\.test\.ts$/,
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
// In two pieces, so that this file does not itself carry the mark (test/store/tests-use-the-port.test.ts).
const SQLITE_ONLY = ['//', 'SQLite-specific:'].join(' ');

export async function runOnPostgres() {
  process.env.MASTHEAD_TEST_STORE = 'postgres';
  for (const { file } of assignments()) {
    if (!ON_POSTGRES.test(file.split('\\').join('/'))) continue;
    const path = join(TEST_DIR, file);
    if (readFileSync(path, 'utf8').includes(SQLITE_ONLY)) continue;
    try {
      await import(pathToFileURL(path).href);
    } catch (err) {
      t.fail(`test/${file} failed to load (on PostgreSQL)`, { error: err });
    }
  }
}
