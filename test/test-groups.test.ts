import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { GROUPS, ON_POSTGRES, SECOND_PASS, assignments } from './groups/groups.js';

t.test('every test file runs in exactly one group, and every group has its runner', async (t) => {
  const all = assignments();
  t.ok(all.length > 40, `${all.length} test files found`);
  t.same(all.filter((a) => !a.group), [], 'none left out');
  t.equal(new Set(all.map((a) => a.file)).size, all.length, 'none twice');
  for (const name of Object.keys(GROUPS)) t.ok(all.some((a) => a.group === name), `group ${name} runs something`);
  for (const file of ['cli/postgres.test.ts', 'cli/copy.test.ts', 'store/postgres/feed.test.ts']) t.equal(all.find((a) => a.file === file)?.group, 'postgres', `${file} runs in the postgres group`);
  t.equal(all.find((a) => a.file === 'nodes/changes.test.ts')?.group, 'pg-nodes', 'test/nodes/ runs in pg-nodes, on a server of its own');
  const parts = Object.keys(SECOND_PASS);
  t.same(
    readdirSync(new URL('./groups/', import.meta.url)).filter((f) => f.endsWith('.test.ts')).map((f) => f.replace(/\.test\.ts$/, '')).sort(),
    [...Object.keys(GROUPS), ...parts].sort(),
    'one runner file per group and per part of the second pass',
  );
  for (const { file } of all.filter((a) => ON_POSTGRES.test(a.file))) {
    t.equal(parts.filter((p) => SECOND_PASS[p as keyof typeof SECOND_PASS].test(file)).length, 1, `test/${file} runs on PostgreSQL in one part of the second pass`);
  }
  const tap = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).tap;
  t.same(tap.include, ['test/groups/*.test.ts'], 'tap runs the groups, so no test file runs twice on one store');
});
