import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';

/**
 * The storage port's seam, held: only the adapters (src/store/sqlite/, src/store/postgres/) know a
 * driver, a dialect's SQL or the drizzle tables; src/store/open.ts, which picks one, may import them.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const ADAPTERS = ['src/store/sqlite/', 'src/store/postgres/'];
/** The one file that picks an adapter from the configuration. */
const SELECTOR = 'src/store/open.ts';

/** What only an adapter may say: a driver, drizzle's dialect modules, raw statements, the adapter's own modules. */
const REACHES_PAST_THE_PORT: [RegExp, string][] = [
  [/from ['"]better-sqlite3['"]/, 'imports better-sqlite3'],
  [/from ['"]pg['"]/, 'imports pg'],
  [/from ['"]drizzle-orm(\/[\w-]+)*['"]/, 'imports drizzle-orm'],
  [/\$client\b/, 'uses the driver handle ($client)'],
  [/\bstore\/sqlite\//, 'imports from src/store/sqlite/'],
  [/\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|PRAGMA)\b[^'"`\n]*\b(FROM|SET|VALUES|WHERE|\w+_\w+)\b/, 'holds SQL'],
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') ? [relative(ROOT, path)] : [];
  });
}

const files = sources(join(ROOT, 'src')).filter((f) => !ADAPTERS.some((a) => f.startsWith(a)));

t.test('no file outside the adapters reaches past the port', async (t) => {
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const reasons = REACHES_PAST_THE_PORT.filter(([pattern, why]) => pattern.test(text) && !(file === SELECTOR && why === 'imports from src/store/sqlite/')).map(
      ([, why]) => why,
    );
    t.same(reasons, [], `${file} stays behind the port`);
  }
});
