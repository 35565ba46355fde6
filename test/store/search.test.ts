import type { Test } from 'tap';
import t from 'tap';
import { rebuildSearchIndex } from '../../src/search/index.js';
import { searchQueryOf } from '../../src/search/query.js';
import { createStores } from '../../src/stores.js';
import type { SearchFilter, SearchRank, Store, Visibility } from '../../src/store/port.js';
import { testClock, testStore } from '../helpers/app.js';

/**
 * The storage port's search (Store.search, Store.rebuildSearchIndex) as any adapter must answer
 * it: what it finds for each kind of viewer and filter, in which order, and how pages follow.
 */

const NOW = '2026-11-27T08:00:00.000Z';

async function searchStore(t: Test) {
  const store = await testStore(t);
  const clock = testClock(NOW);
  const stores = createStores(store, clock);
  const tianjin = await stores.sections.create({ name: '天津', slug: 'tianjin' });
  const gansu = await stores.sections.create({ name: '甘肃', slug: 'gansu' });
  const daily = await stores.sources.create({ name: '天津日报', slug: 'tianjin-daily', kind: 'newspaper' });
  type Extra = { sectionId?: number; sourceId?: number | null; status?: 'draft' | 'published' | 'archived'; publishedAt?: string | null; tags?: string[]; summary?: string };
  /** An article with this title and body text, published in 2023 in Tianjin unless told otherwise. */
  const article = (title: string, body = '', extra: Extra = {}) =>
    stores.articles.create({ title, body: body && `<p>${body}</p>`, sectionId: tianjin.id, status: 'published', publishedAt: '2023-04-19T00:00:00.000Z', ...extra }, null);
  const now = clock();
  const viewers = {
    reader: { editor: false, now, sectionIds: null, sourceIds: null } as Visibility,
    editor: { editor: true, now, sectionIds: null, sourceIds: null } as Visibility,
    partner: (sectionIds: number[] | null, sourceIds: number[] | null = null): Visibility => ({ editor: false, now, sectionIds, sourceIds }),
  };
  const rank = (q: string, viewer: Visibility = viewers.reader, filter: SearchFilter = {}, after?: SearchRank, want = 100) =>
    store.search.rank(searchQueryOf(q), filter, viewer, after, want);
  const ids = async (q: string, viewer?: Visibility, filter?: SearchFilter) => (await rank(q, viewer, filter)).map((r) => r.id);
  return { store, stores, clock, tianjin, gansu, daily, article, viewers, rank, ids };
}

/** Every page of `want` rows, each after the last row of the one before. */
async function pages(store: Store, q: string, viewer: Visibility, want: number): Promise<SearchRank[][]> {
  const all: SearchRank[][] = [];
  for (let after: SearchRank | undefined; ; ) {
    const page = await store.search.rank(searchQueryOf(q), {}, viewer, after, want);
    if (page.length === 0) return all;
    all.push(page);
    after = page.at(-1);
  }
}

t.test('readers find published, due, not-deleted articles; editors all but the trash; partners their sections and sources', async (t) => {
  const { stores, gansu, daily, article, viewers, ids } = await searchStore(t);
  const published = await article('协作新闻 已发布');
  const draft = await article('协作新闻 草稿', '', { status: 'draft', publishedAt: null });
  const archived = await article('协作新闻 已归档', '', { status: 'archived' });
  const scheduled = await article('协作新闻 定时', '', { publishedAt: '2026-11-27T10:00:00.000Z' });
  const trashed = await article('协作新闻 已删除');
  await stores.articles.trash(trashed.id, undefined, null);
  const elsewhere = await article('协作新闻 甘肃', '', { sectionId: gansu.id });
  const sourced = await article('协作新闻 日报', '', { sourceId: daily.id });

  t.same((await ids('协作')).sort(), [published.id, elsewhere.id, sourced.id].sort(), 'a reader');
  t.same((await ids('协作', viewers.editor)).sort(), [published.id, draft.id, archived.id, scheduled.id, elsewhere.id, sourced.id].sort(), 'an editor: everything but the trash');
  t.same(await ids('协作', viewers.partner([gansu.id])), [elsewhere.id], 'a partner key of one section');
  t.same(await ids('协作', viewers.partner(null, [daily.id])), [sourced.id], 'a partner key of one source: articles without a source are out of reach');
  t.same(await ids('协作', viewers.partner([], null)), [], 'a partner key whose sections are gone sees nothing');
  t.same(await ids('已删除', viewers.editor), [], 'the trash is not searched, even by editors');
  const due = { ...viewers.reader, now: Date.parse('2026-11-27T10:00:00.000Z') };
  t.ok((await ids('协作', due)).includes(scheduled.id), 'a scheduled article is found once its time has come');
});

t.test('filters: sections, source, any of the tags, the publication span', async (t) => {
  const { gansu, tianjin, daily, article, ids } = await searchStore(t);
  const a = await article('港口 一', '', { tags: ['经济'], publishedAt: '2023-01-01T00:00:00.000Z' });
  const b = await article('港口 二', '', { tags: ['民生', '经济'], sectionId: gansu.id, publishedAt: '2023-06-01T00:00:00.000Z' });
  const c = await article('港口 三', '', { sourceId: daily.id, publishedAt: '2024-01-01T00:00:00.000Z' });
  const sorted = async (filter: SearchFilter) => (await ids('港口', undefined, filter)).sort();
  t.same(await sorted({}), [a.id, b.id, c.id].sort());
  t.same(await sorted({ sectionIds: [gansu.id] }), [b.id]);
  t.same(await sorted({ sectionIds: [gansu.id, tianjin.id] }), [a.id, b.id, c.id].sort());
  t.same(await sorted({ sourceId: daily.id }), [c.id]);
  t.same(await sorted({ tags: ['民生'] }), [b.id]);
  t.same(await sorted({ tags: ['经济', '无此标签'] }), [a.id, b.id].sort(), 'any of the tags');
  const june = Date.parse('2023-06-01T00:00:00.000Z');
  t.same(await sorted({ publishedAfter: june }), [b.id, c.id].sort(), 'publishedAfter is inclusive');
  t.same(await sorted({ publishedBefore: june }), [a.id], 'publishedBefore is exclusive');
  t.same(await sorted({ publishedAfter: june, publishedBefore: june + 1, sectionIds: [gansu.id], tags: ['经济'] }), [b.id], 'all of them at once');
});

t.test('Chinese is matched by its character pairs: a phrase in order, a lone character anywhere', async (t) => {
  const { article, ids } = await searchStore(t);
  const port = await article('天津港口吞吐量创新高', '陈敏尔在甘肃考察');
  const other = await article('港口建设', '');
  t.same(await ids('津港'), [port.id], 'a pair that spans two words of the title');
  t.same(await ids('港天'), [], 'the pair reversed is another pair');
  t.same(await ids('陈敏尔'), [port.id], 'a three-character name, in the body');
  t.same(await ids('陈尔'), [], 'not the characters apart');
  t.same((await ids('港')).sort(), [port.id, other.id].sort(), 'a lone character, as a prefix of any pair');
  t.same(await ids('甘肃 港口'), [port.id], 'terms are ANDed');
  t.same(await ids('"港口 甘肃"'), [], 'a quoted phrase keeps its order');
});

t.test('best first: the title weighs most; ties newer first, undated last, then higher id', async (t) => {
  const { article, rank, viewers } = await searchStore(t);
  const inBody = await article('新闻', '协作');
  const inTitle = await article('协作', '新闻');
  t.same((await rank('协作')).map((r) => r.id), [inTitle.id, inBody.id]);
  const older = await article('同题', '', { publishedAt: '2022-01-01T00:00:00.000Z' });
  const newer = await article('同题', '', { publishedAt: '2024-01-01T00:00:00.000Z' });
  const undated = await article('同题', '', { status: 'draft', publishedAt: null });
  const twin = await article('同题', '', { publishedAt: '2024-01-01T00:00:00.000Z' });
  const ranked = await rank('同题', viewers.editor);
  t.equal(new Set(ranked.map((r) => r.rank)).size, 1, 'the same text, the same score');
  t.same(ranked.map((r) => r.id), [twin.id, newer.id, older.id, undated.id]);
  t.same(ranked.map((r) => r.pub), [Date.parse('2024-01-01T00:00:00.000Z'), Date.parse('2024-01-01T00:00:00.000Z'), Date.parse('2022-01-01T00:00:00.000Z'), null]);
  t.ok(ranked.every((r) => r.rank < 0), 'a score is lower the better (the API shows its negation)');
});

t.test('pages follow the order: after a row, the rows past it, none twice and none left out', async (t) => {
  const { article, store, viewers, rank } = await searchStore(t);
  // Equal scores and equal dates, dates and no dates, and scores apart: every part of the order.
  for (let i = 0; i < 5; i++) await article('分页测试', '', { publishedAt: '2023-04-19T00:00:00.000Z' });
  for (let i = 0; i < 4; i++) await article('分页测试', '', { status: 'draft', publishedAt: null });
  for (let i = 0; i < 4; i++) await article('分页测试 较长的标题', '分页测试', { publishedAt: `202${i}-01-01T00:00:00.000Z` });
  const whole = await rank('分页测试', viewers.editor);
  t.equal(whole.length, 13);
  for (const want of [1, 2, 5]) {
    const paged = await pages(store, '分页测试', viewers.editor, want);
    t.same(paged.flat(), whole, `pages of ${want} are the whole in order`);
    t.ok(paged.slice(0, -1).every((p) => p.length === want), 'every page but the last is full');
  }
  t.same((await pages(store, '分页测试', viewers.reader, 3)).flat(), await rank('分页测试'), 'a reader pages through what a reader sees');
  t.same(await rank('分页测试', viewers.editor, {}, whole.at(-1)), [], 'nothing after the last');
});

t.test('the first rows are the same however the adapter gets them, when most of the best matches are hidden', async (t) => {
  const { article, rank, tianjin, viewers } = await searchStore(t);
  // Drafts that rank above every published article: candidates picked by score alone would be hidden ones.
  for (let i = 0; i < 80; i++) await article('热点', '', { status: 'draft', publishedAt: null });
  const published = [];
  for (let i = 0; i < 3; i++) published.push(await article('其他新闻', `一段很长的正文，提到热点 ${i}`, { publishedAt: `2023-0${i + 1}-01T00:00:00.000Z` }));
  const reader = await rank('热点', viewers.reader, {}, undefined, 3);
  t.same(reader.map((r) => r.id).sort(), published.map((a) => a.id).sort(), 'the reader gets the published three');
  t.same(await rank('热点', viewers.reader, { sectionIds: [tianjin.id] }, undefined, 3), reader, 'the same rows and scores through a filter');
  t.same((await rank('热点', viewers.editor)).slice(-3), reader, 'and the editor sees them after the drafts, with the same scores');
});

t.test('details: the hits of a page in one read, with section and source, leaving out what is gone', async (t) => {
  const { store, stores, article, daily, tianjin } = await searchStore(t);
  const a = await article('标题一', '正文一', { summary: '摘要', sourceId: daily.id });
  const b = await article('标题二', '正文二');
  const rows = await store.search.details([b.id, a.id, 999_999]);
  t.same(
    rows.sort((x, y) => x.id - y.id),
    [
      { id: a.id, title: '标题一', slug: a.slug, subtitle: null, summary: '摘要', bodyText: '正文一', section: { id: tianjin.id, slug: 'tianjin', name: '天津' }, source: { id: daily.id, slug: 'tianjin-daily', name: '天津日报' } },
      { id: b.id, title: '标题二', slug: b.slug, subtitle: null, summary: null, bodyText: '正文二', section: { id: tianjin.id, slug: 'tianjin', name: '天津' }, source: null },
    ],
  );
  t.same(await store.search.details([]), []);
  await stores.sections.update(tianjin.id, { name: '天津新闻' }, undefined);
  t.equal((await store.search.details([a.id]))[0]?.section.name, '天津新闻', 'read as they are now');
});

t.test('rebuilding the index: every article (the trash too) again, the same hits in the same order, the generation moved', async (t) => {
  const { store, stores, article, rank, viewers } = await searchStore(t);
  const a = await article('重建 索引', '重建');
  const b = await article('重建', '正文');
  await article('无关', '');
  await stores.articles.trash(b.id, undefined, null);
  const before = await rank('重建', viewers.editor);
  const generation = await store.contentGeneration();
  t.same(await rebuildSearchIndex(store), { articles: 3 });
  t.not(await store.contentGeneration(), generation, 'cached answers are not served from before');
  t.same((await rank('重建', viewers.editor)).map((r) => r.id), before.map((r) => r.id));
  t.same(before.map((r) => r.id), [a.id]);
  await stores.articles.restore(b.id, null);
  t.same((await rank('重建', viewers.editor)).map((r) => r.id).sort(), [a.id, b.id].sort(), 'the trashed article was indexed too');
});

t.test('a query the index refuses is the 400 of a bad query, not a 500', async (t) => {
  const { store, viewers } = await searchStore(t);
  // Nothing the parser lets through is refused; an empty query, which it never lets through, stands for our own bug.
  const problem = { code: 'validation-failed', status: 400, extra: { errors: [{ in: 'query', pointer: '/q' }] } };
  await t.rejects(store.search.rank({ phrases: [] }, {}, viewers.reader, undefined, 10), problem);
  await t.rejects(store.search.rank({ phrases: [[]] }, { sectionIds: [1] }, viewers.editor, undefined, 10), problem);
});
