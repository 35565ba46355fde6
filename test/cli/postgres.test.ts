// PostgreSQL-specific: the masthead commands with DATABASE_URL set work on PostgreSQL, and backup and restore, made for a SQLite file, refuse in one line naming PostgreSQL's tools.
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

  for (const command of ['backup', 'restore']) {
    const refused = await runCli([command], { env });
    t.equal(refused.code, 1, `${command}: exit 1`);
    t.match(refused.stderr, new RegExp(`^masthead ${command} works on a SQLite file, and DATABASE_URL names PostgreSQL: .*see docs/backup\\.md, "PostgreSQL"\\n$`), `${command}: one line`);
    t.match(refused.stderr, command === 'backup' ? /pg_dump --format=custom .*continuous archiving \(PITR\)/ : /pg_restore --no-owner .* into a new, empty database, then run masthead migrate/, `${command}: the tool to use instead`);
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

t.test('a newsroom moves from a SQLite file to PostgreSQL through export and import, and exports the same bytes there', async (t) => {
  const url = await freshDatabase(t);
  const lines = [
    '{"type":"section","slug":"tianjin","name":"天津","description":"津门新闻"}',
    '{"type":"section","slug":"binhai","name":"滨海","parent":"tianjin"}',
    '{"type":"source","slug":"xinhua","name":"新华社","kind":"agency","url":"https://www.news.cn/"}',
    '{"type":"article","externalId":"x-1","section":"binhai","source":"xinhua","title":"港口吞吐量创新高","body":"<p>𠀀 扩展B区 ‘引号’ 😀</p>","tags":["港口","经济"],"status":"published","publishedAt":"2026-11-27T08:00:00.000Z","relatedLinks":[{"externalId":"x-2"},{"url":"https://example.com/背景","title":"背景"}]}',
    '{"type":"article","externalId":"x-2","section":"tianjin","title":"草稿：尚未发布","body":"<p>内容</p>","status":"draft"}',
    '{"type":"article","externalId":"x-3","section":"tianjin","title":"定时发布","body":"<p>明天见</p>","status":"published","publishedAt":"2036-01-01T00:00:00.000Z"}',
  ];
  const dir = t.testdir({ 'seed.ndjson': `${lines.join('\n')}\n` });
  const file = join(dir, 'old.db');
  const seeded = await runCli(['import', join(dir, 'seed.ndjson'), '--database', file]);
  t.equal(seeded.code, 0, seeded.stderr);
  const fromSqlite = await runCli(['export', '--database', file]);
  t.equal(fromSqlite.code, 0, fromSqlite.stderr);
  t.equal(fromSqlite.stdout.trim().split('\n').length, lines.length, 'every record exported');

  const moved = await runCli(['import', '-'], { env: { DATABASE_URL: url }, input: fromSqlite.stdout });
  t.equal(moved.code, 0, moved.stderr);
  t.match(moved.stdout, /^6 created, 0 updated, 0 unchanged, 0 failed/, 'every record created on PostgreSQL');
  const fromPostgres = await runCli(['export'], { env: { DATABASE_URL: url } });
  t.equal(fromPostgres.code, 0, fromPostgres.stderr);
  t.equal(fromPostgres.stdout, fromSqlite.stdout, 'PostgreSQL exports the same bytes SQLite did');

  const again = await runCli(['import', '-'], { env: { DATABASE_URL: url }, input: fromSqlite.stdout });
  t.match(again.stdout, /^0 created, 0 updated, 6 unchanged, 0 failed/, 'importing it again changes nothing');
});
