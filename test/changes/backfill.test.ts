// SQLite-specific: runs the backfill statements of the SQLite migration against a live database.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { buildTestApp, call } from '../helpers/app.js';
import { factories, hoursFrom } from '../helpers/factories.js';
import { apply, sorted, truth, type Copy, type Event } from './helpers.js';

const MIGRATION = readFileSync(new URL('../../migrations/sqlite/0002_changes_webhooks.sql', import.meta.url), 'utf8');

t.test('the migration gives content that predates the feed one event each, so a replay from the start is complete', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const section = await f.section({ name: '天津' });
  const source = await f.source({ name: '天津日报' });
  const a = await f.article(section.id, { sourceId: source.id });
  const b = await f.article(section.id);
  await f.article(section.id, { status: 'draft' });
  const scheduled = await f.article(section.id, { publishedAt: hoursFrom('2026-11-27T08:00:00.000Z', 1) });
  const trashed = await f.article(section.id);
  await call(ctx.app, { method: 'DELETE', url: `/v1/articles/${trashed.id}`, headers: ctx.auth.write });
  await f.link(a.id, { targetArticleId: b.id });
  await f.link(a.id, { targetArticleId: scheduled.id });

  // As if the content had been written before this migration: no events, then the backfill.
  ctx.db.$client.exec('DELETE FROM change_events');
  const backfill = MIGRATION.slice(MIGRATION.indexOf('-- Backfill')).split('--> statement-breakpoint');
  t.equal(backfill.length, 4, 'four backfill statements');
  // The backfill reads the wall clock; run it at the test clock's time.
  for (const statement of backfill) ctx.db.$client.exec(statement.replaceAll("CAST(unixepoch('subsec') * 1000 AS INTEGER)", String(ctx.clock.now)));

  const copies = [{}, ctx.auth.write].map((headers) => ({ headers, since: '', copy: { section: new Map(), source: new Map(), article: new Map() } as Copy }));
  const replay = async () => {
    for (const c of copies) {
      const res = await call(ctx.app, { method: 'GET', url: `/v1/changes?limit=1000${c.since ? `&since=${c.since}` : ''}`, headers: c.headers });
      for (const e of res.body.data as Event[]) await apply(ctx.app, c.headers, c.copy, e);
      c.since = res.body.page.nextCursor;
      const source = await truth(ctx.app, c.headers);
      t.same(sorted(c.copy), sorted(source), c.headers === ctx.auth.write ? 'editor copy' : 'reader copy');
    }
  };
  await replay();
  t.same([...copies[0]!.copy.article.keys()].sort(), [a.id, b.id].sort(), 'readers: the published articles, not the draft, scheduled or trashed ones');
  ctx.clock.advance(2 * 3_600_000);
  await replay();
  t.ok(copies[0]!.copy.article.has(scheduled.id), 'the scheduled article arrives when due');
});
