import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { GROUPS, assignments } from './groups/groups.js';

t.test('every test file runs in exactly one group, and every group has its runner', async (t) => {
  const all = assignments();
  t.ok(all.length > 40, `${all.length} test files found`);
  t.same(all.filter((a) => !a.group), [], 'none left out');
  t.equal(new Set(all.map((a) => a.file)).size, all.length, 'none twice');
  const runners = readdirSync(new URL('./groups/', import.meta.url)).filter((f) => f.endsWith('.test.ts')).map((f) => f.replace(/\.test\.ts$/, ''));
  t.same(runners.sort(), Object.keys(GROUPS).sort(), 'one runner file per group in test/groups/ (the postgres one also runs the second pass on PostgreSQL)');
  for (const name of Object.keys(GROUPS)) t.ok(all.some((a) => a.group === name), `group ${name} runs something`);
  for (const file of ['cli/postgres.test.ts', 'cli/copy.test.ts', 'nodes/changes.test.ts']) t.equal(all.find((a) => a.file === file)?.group, 'postgres', `${file} runs in the postgres group`);
  const tap = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).tap;
  t.same(tap.include, ['test/groups/*.test.ts'], 'tap runs the groups, so no test file runs twice on one store');
});
