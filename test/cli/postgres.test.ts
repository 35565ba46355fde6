// PostgreSQL-specific: the masthead commands with DATABASE_URL set work on PostgreSQL, and those made for a SQLite file refuse in one line.
import { join } from 'node:path';
import t from 'tap';
import { freshDatabase } from '../helpers/postgres.js';
import { hasStack, runCli } from '../helpers/cli.js';

const LINES = [
  '{"type":"section","slug":"tianjin","name":"天津"}',
  '{"type":"article","externalId":"x-1","section":"tianjin","title":"滨海新区协作新闻","body":"<p>正文 😀</p>","status":"published","publishedAt":"2026-11-27T08:00:00.000Z"}',
].join('\n');

t.test('migrate, keys, import, export and reindex run on the PostgreSQL database DATABASE_URL names', async (t) => {
  const url = await freshDatabase(t);
  const dir = t.testdir({ 'seed.ndjson': `${LINES}\n` });
  // Every command names the store it used: PostgreSQL's database, never the default SQLite file.
  const env = { DATABASE_URL: url };
  const database = new URL(url).pathname.slice(1);

  const migrate = await runCli(['migrate'], { env });
  t.equal(migrate.code, 0, migrate.stderr);
  t.match(migrate.stdout, new RegExp(`^PostgreSQL 127\\.0\\.0\\.1:5432/${database}: migrations applied\\n`), 'names the database, not a file');

  const key = await runCli(['keys', 'create', '--name', '编辑部', '--scope', 'admin'], { env });
  t.equal(key.code, 0, key.stderr);
  t.match(key.stdout, /mh_[A-Za-z0-9_-]{43}/, 'the secret is printed once');

  const imported = await runCli(['import', join(dir, 'seed.ndjson')], { env });
  t.equal(imported.code, 0, imported.stderr);
  t.match(imported.stdout, /^2 created, 0 updated, 0 unchanged, 0 failed/, 'the section and the article');

  const exported = await runCli(['export'], { env });
  t.equal(exported.code, 0, exported.stderr);
  t.match(exported.stdout, /"title":"滨海新区协作新闻"/, 'the article comes back, byte for byte its text');
  t.match(exported.stdout, /正文 😀/);

  const reindex = await runCli(['reindex'], { env });
  t.equal(reindex.code, 0, reindex.stderr);
  t.match(reindex.stdout, /search index rebuilt, 1 articles/);

  const list = await runCli(['keys', 'list'], { env });
  t.match(list.stdout, /编辑部\s+admin/, 'the key is in PostgreSQL');

  for (const command of ['backup', 'check']) {
    const refused = await runCli([command], { env });
    t.equal(refused.code, 1, `${command}: exit 1`);
    t.match(refused.stderr, new RegExp(`^masthead ${command} works on a SQLite file, and DATABASE_URL names PostgreSQL`), `${command}: one line`);
    t.notOk(hasStack(refused.stderr));
  }
});

t.test('a PostgreSQL that does not answer is one line and exit 1', async (t) => {
  const run = await runCli(['keys', 'list'], { env: { DATABASE_URL: 'postgres://masthead:secret@127.0.0.1:1/masthead' } });
  t.equal(run.code, 1);
  t.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  t.match(run.stderr, /127\.0\.0\.1:1/);
  t.notMatch(run.stderr, /secret/, 'never the password');
  t.notOk(hasStack(run.stderr));
});
