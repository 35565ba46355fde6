// SQLite-specific: looks for rows a permanently deleted article could leave behind in tables the port
// reads only through a living article (article_tags, article_slug_history), so only SQL can see them.
import t from 'tap';
import { buildTestApp, call } from '../../helpers/app.js';
import { factories } from '../../helpers/factories.js';
import { sqliteHandleOf } from '../../../src/store/sqlite/store.js';

t.test('a permanent delete leaves no tag, revision, old slug or link row of the article behind', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const section = await f.section();
  const a = await f.article(section.id, { slug: 'first', tags: ['甘肃', '天津'] });
  await call(ctx.app, { method: 'PATCH', url: `/v1/articles/${a.id}`, headers: ctx.auth.write, payload: { slug: 'second' } });
  const other = await f.article(section.id);
  await f.link(a.id, { targetArticleId: other.id });
  await f.link(other.id, { targetArticleId: a.id });
  const sqlite = sqliteHandleOf(ctx.store).$client;
  const rowsOf = () => ({
    tags: sqlite.prepare('SELECT count(*) FROM article_tags WHERE article_id = ?').pluck().get(a.id),
    revisions: sqlite.prepare('SELECT count(*) FROM article_revisions WHERE article_id = ?').pluck().get(a.id),
    slugs: sqlite.prepare('SELECT count(*) FROM article_slug_history WHERE article_id = ?').pluck().get(a.id),
    links: sqlite.prepare('SELECT count(*) FROM related_links WHERE article_id = ? OR target_article_id = ?').pluck().get(a.id, a.id),
  });
  t.same(rowsOf(), { tags: 2, revisions: 1, slugs: 1, links: 2 }, 'the rows exist before');
  const gone = await ctx.app.inject({ method: 'DELETE', url: `/v1/articles/${a.id}?permanent=true`, headers: ctx.auth.admin });
  t.equal(gone.statusCode, 204);
  t.same(rowsOf(), { tags: 0, revisions: 0, slugs: 0, links: 0 }, 'and none after');
});
