import t from 'tap';
import { createKey } from '../helpers/app.js';
import { hoursFrom } from '../helpers/factories.js';
import { searchApp } from './helpers.js';

const NOW = '2026-11-27T08:00:00.000Z';

t.test('readers find only published, due, not-deleted articles; editors all but the trash', async (t) => {
  const { article, ids, app, auth, clock } = await searchApp(t);
  const published = await article('协作新闻 已发布', []);
  const draft = await article('协作新闻 草稿', [], { status: 'draft', publishedAt: null });
  const archived = await article('协作新闻 已归档', [], { status: 'archived' });
  const scheduled = await article('协作新闻 定时', [], { publishedAt: hoursFrom(NOW, 2) });
  const trashed = await article('协作新闻 已删除', []);
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${trashed.id}`, headers: auth.write })).statusCode, 204);

  t.same(await ids(t, '协作'), [published.id], 'anonymous reader');
  t.same(await ids(t, '协作', '', auth.read), [published.id], 'read key');
  t.same((await ids(t, '协作', '', auth.write)).sort(), [published.id, draft.id, archived.id, scheduled.id].sort(), 'editor: no trash');
  t.same(await ids(t, '草稿'), [], 'a draft is not found by its own words');

  clock.advance(3 * 3_600_000);
  t.same((await ids(t, '协作')).sort(), [published.id, scheduled.id].sort(), 'a scheduled article is found once due, with no reindex');
  const cached = await app.inject({ method: 'GET', url: `/v1/search?q=${encodeURIComponent('协作')}`, headers: auth.write });
  t.equal(cached.headers['cache-control'], 'private, no-store', 'what an editor finds is never cached');
});

t.test('a partner key finds only its sections and sources', async (t) => {
  const { article, ids, make, section, store, clock } = await searchApp(t);
  const sub = await make.section({ name: '滨海', slug: 'binhai', parentId: section.id });
  const gansu = await make.section({ name: '甘肃', slug: 'gansu' });
  const paper = await make.source({ slug: 'tianjin-daily' });
  const wire = await make.source({ slug: 'xinhua' });
  const inSub = await article('东西部协作 一', [], { sectionId: sub.id, sourceId: paper.id });
  const inTop = await article('东西部协作 二', [], { sourceId: wire.id });
  const outside = await article('东西部协作 三', [], { sectionId: gansu.id, sourceId: paper.id });
  const bySection = (await createKey(store, clock, { scope: 'read', sections: ['tianjin'] })).header;
  const bySource = (await createKey(store, clock, { scope: 'read', sources: ['tianjin-daily'] })).header;
  t.same((await ids(t, '协作', '', bySection)).sort(), [inSub.id, inTop.id].sort(), 'its section and subsections');
  t.same((await ids(t, '协作', '', bySource)).sort(), [inSub.id, outside.id].sort(), 'its source');
  t.same(await ids(t, '协作', '&section=gansu', bySection), [], 'a filter cannot widen what the key sees');
});
