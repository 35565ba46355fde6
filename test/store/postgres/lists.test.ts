import t from 'tap';
import { documentOf } from '../../../src/search/index.js';
import { searchQueryOf } from '../../../src/search/query.js';
import type { After, ArticleInsert, ArticleListFilter, ArticleListRow, ArticleSort, SearchQuery, Visibility } from '../../../src/store/port.js';
import { bothAdapters, same, type Side } from './both.js';

/**
 * Article lists and searches on both adapters over the same articles: the same ids in the same
 * order, page for page, for every sort key and direction, filter and kind of viewer.
 */

const T0 = 1_700_000_000_000;
const NOW = T0 + 1_000_000;

const TITLES = [
  '天津港口发展',
  '东西部协作新进展',
  'Café society',
  'cafe culture in Tianjin',
  'हिन्दी दिवस',
  '2023年度报告',
  'Zebra 斑马',
  'alpha omega',
  'Ärzte ohne Grenzen',
  '天津',
  'x\u0301yz test',
  '😀 emoji 天津 news',
  "it's a \\ backslash",
  'ＡＢＣ１２３ full width',
  'zebra',
  '_under',
];
const SUBTITLES = ['zeta beta', '津甘协作', null, 'Straße', '天津市滨海新区', 'omega 2023年'];
const BODIES = [
  '天津港口 东西部协作 在2023年度取得进展。',
  'A café in Tianjin serves coffee; cafe owners agree.',
  'हिन्दी भाषा और天津',
  'alpha beta gamma delta 12345 abc123',
  '甘肃省 任振鹤 东西部 协作',
  '',
];
const TAGS = [['天津'], ['东西部协作', '津甘协作'], ['port', 'Sport'], [], ['天津', 'port'], ['Café']];

function seedArticle(i: number): ArticleInsert {
  const status = i % 5 === 0 ? 'draft' : i % 7 === 0 ? 'archived' : 'published';
  const publishedAt = i % 6 === 0 ? null : i % 11 === 0 ? NOW + i * 1000 : NOW - (i % 9) * 60_000;
  return {
    status,
    publishedAt,
    deletedAt: i % 8 === 3 ? NOW - 1 : null,
    sectionId: 1 + (i % 4),
    sourceId: i % 3 === 0 ? null : 1 + (i % 3),
    createdAt: T0 + (i % 5) * 1000,
    updatedAt: T0 + (i % 7) * 500,
    createdBy: null,
    updatedBy: null,
    slug: `article-${i}`,
    externalId: i % 4 === 0 ? `ext-${i}` : null,
    title: TITLES[i % TITLES.length]!,
    subtitle: SUBTITLES[i % SUBTITLES.length]!,
    summary: i % 3 === 0 ? `summary ${i} 协作` : null,
    byline: null,
    tags: TAGS[i % TAGS.length]!,
    sourceUrl: null,
    coverImageUrl: null,
    bodyText: BODIES[i % BODIES.length]!,
    body: `<p>${BODIES[i % BODIES.length]!}</p>`,
  };
}

async function seed(sides: [Side, Side]) {
  for (const side of sides) {
    await side.write(async (r) => {
      const section = (slug: string, parentId: number | null, position: number) => r.sections.insert({ slug, name: slug, description: null, parentId, position, createdAt: T0 });
      await section('news', null, 0);
      await section('tianjin', 1, 0);
      await section('sport', null, 1);
      await section('world', null, 1);
      for (const name of ['新华社', 'Reuters', 'agence']) await r.sources.insert({ slug: name, name, url: null, kind: 'agency', createdAt: T0 });
      for (let i = 0; i < 48; i++) {
        const row = await r.articles.insert(seedArticle(i));
        await r.searchIndex.put(row.id, documentOf(row));
      }
    });
  }
}

const VIEWERS: Record<string, Visibility> = {
  editor: { editor: true, now: NOW, sectionIds: null, sourceIds: null },
  reader: { editor: false, now: NOW, sectionIds: null, sourceIds: null },
  partner: { editor: false, now: NOW, sectionIds: [1, 2], sourceIds: [1, 2] },
  'partner of nothing': { editor: false, now: NOW, sectionIds: [], sourceIds: null },
};

const FILTERS: ArticleListFilter[] = [
  {},
  { trash: true },
  { status: 'published' },
  { status: 'draft' },
  { sectionIds: [2] },
  { sectionIds: [1, 3] },
  { sectionIds: [] },
  { sourceId: 1 },
  { externalId: 'ext-4' },
  { tags: ['天津'] },
  { tags: ['port', 'Sport'] },
  { publishedAfter: NOW - 300_000, publishedBefore: NOW },
  { updatedSince: T0 + 1500 },
  { search: searchQueryOf('天津') },
  { search: searchQueryOf('协作'), status: 'published', tags: ['东西部协作'] },
  { trash: true, sectionIds: [1, 2, 4], search: searchQueryOf('天') },
];

const SORTS: ArticleSort[] = (['publishedAt', 'updatedAt', 'createdAt', 'title'] as const).flatMap((key) => [
  { key, desc: false },
  { key, desc: true },
]);

const valueOf = (row: ArticleListRow, key: ArticleSort['key']) => row[key];

/** Every page of the list, `limit` at a time, each row's id (and, for the first page, the whole rows). */
async function pages(side: Side, filter: ArticleListFilter, sort: ArticleSort, viewer: Visibility, limit: number, withBody: boolean) {
  const out: number[][] = [];
  let first: ArticleListRow[] | undefined;
  let after: After<number | string | null> | undefined;
  for (;;) {
    const page = await side.read.articles.list(filter, sort, after, limit, withBody, viewer);
    first ??= page;
    if (page.length === 0) break;
    out.push(page.map((r) => r.id));
    const last = page[page.length - 1]!;
    after = { value: valueOf(last, sort.key), id: last.id };
    if (out.length > 100) throw new Error('the list does not end');
  }
  return { pages: out, first };
}

t.test('lists: the same pages for every filter, order and viewer', async (t) => {
  const { sides } = await bothAdapters(t);
  await seed(sides);
  let nonEmpty = 0;
  for (const [who, viewer] of Object.entries(VIEWERS)) {
    for (const filter of FILTERS) {
      for (const sort of SORTS) {
        const label = `${who} ${JSON.stringify({ ...filter, search: filter.search ? '…' : undefined })} by ${sort.key} ${sort.desc ? 'desc' : 'asc'}`;
        const result = await same(t, sides, (side) => pages(side, filter, sort, viewer, 4, false), label);
        if (result.pages.length > 0) nonEmpty++;
      }
    }
  }
  t.ok(nonEmpty > 200, `most lists hold something (${nonEmpty})`);
  t.match(await sides[1].read.articles.list({}, SORTS[0]!, undefined, 3, false, VIEWERS.editor!), [{ publishedAt: null }], 'NULLs first ascending');
});

t.test('lists: withBody on and off, whole rows', async (t) => {
  const { sides } = await bothAdapters(t);
  await seed(sides);
  for (const withBody of [false, true]) {
    for (const sort of SORTS) {
      const rows = await same(t, sides, (side) => side.read.articles.list({}, sort, undefined, 50, withBody, VIEWERS.editor!), `all rows by ${sort.key} ${sort.desc}, body ${withBody}`);
      t.equal('body' in rows[0]!, withBody, 'the body only when asked');
      t.equal('bodyText' in rows[0]!, withBody, 'its text too');
    }
  }
});

t.test('lists: keyset positions that are no row, NULL positions both ways', async (t) => {
  const { sides } = await bothAdapters(t);
  await seed(sides);
  const positions: After<number | string | null>[] = [
    { value: null, id: 0 },
    { value: null, id: 20 },
    { value: null, id: 1_000_000 },
    { value: NOW - 120_000, id: 0 },
    { value: NOW - 120_000, id: 15 },
    { value: NOW + 1, id: 0 },
    { value: T0 + 1000, id: 7 },
  ];
  for (const sort of SORTS.filter((s) => s.key !== 'title')) {
    for (const at of positions) {
      await same(t, sides, async (side) => (await side.read.articles.list({}, sort, at, 100, false, VIEWERS.editor!)).map((r) => r.id), `${sort.key} ${sort.desc} after ${JSON.stringify(at)}`);
    }
  }
  for (const value of ['', 'Zebra', 'zebra', '天', '_', 'Ä', 'z\u{10FFFF}']) {
    for (const desc of [false, true]) {
      await same(t, sides, async (side) => (await side.read.articles.list({}, { key: 'title', desc }, { value, id: 3 }, 100, false, VIEWERS.editor!)).map((r) => r.id), `title ${desc} after ${value}`);
    }
  }
});

t.test('lists: a forged cursor value (a string, a fraction, a huge number) gives the rows SQLite gives, never an error', async (t) => {
  const { sides } = await bothAdapters(t);
  await seed(sides);
  const values: (string | number)[] = ['abc', '', String(NOW - 120_000), ` ${NOW - 120_000} `, `${(NOW - 120_000) / 1000}e3`, '0x10', '-5', NOW - 120_000 + 0.5, NOW - 120_000 - 0.5, -1.5, 1e300, -1e300, 2 ** 60, -(2 ** 60)];
  for (const sort of SORTS) {
    for (const value of values) {
      for (const id of [0, 17]) {
        await same(t, sides, async (side) => (await side.read.articles.list({}, sort, { value, id }, 100, false, VIEWERS.editor!)).map((r) => r.id), `${sort.key} ${sort.desc} after ${JSON.stringify(value)}, ${id}`);
      }
    }
  }
});

const SEARCHES = [
  '天津',
  '天',
  '津',
  '天津港',
  '港口',
  '东西部协作',
  '协作',
  '"东西 部协作"',
  '作东',
  '作东西',
  '津甘协作 东西部协作',
  'café',
  'cafe',
  'CAFÉ',
  'Café society',
  '"society cafe"',
  'हिन्दी',
  'ह',
  'न',
  'भाषा',
  '2023',
  '2023年',
  '年',
  '年度',
  'abc123',
  'ＡＢＣ１２３',
  'abc',
  'omega zeta',
  '"omega zeta"',
  '"alpha omega"',
  '"beta gamma"',
  'xyz',
  'x\u0301yz',
  'straße',
  'strasse',
  'ärzte',
  'arzte',
  'ARZTE',
  '😀天津',
  'emoji😀',
  'tianjin',
  "it's",
  's',
  'backslash',
  '"news 天津"',
  '"天津 news"',
  'summary 协作',
  '"summary 3"',
  '甘肃',
  '任振鹤',
  '滨海新区',
  'sport',
  'nothing-like-this',
  '12345',
  '1234',
];

/** Queries no reader can type, straight at the port: quotes, backslashes, tsquery and FTS5 syntax, empty tokens. */
const HOSTILE: SearchQuery[] = [
  ["'"],
  ['\\'],
  ['&|!():*<>'],
  ["a'b"],
  ["' | '"],
  ["':*"],
  ['\\\''],
  [''],
  ['"'],
  ['NEAR(a b)'],
  ['title:天津'],
  ['天津', "'"],
  ['天', ')'],
].flatMap((texts) => [
  { phrases: [texts.map((text) => ({ text, prefix: false }))] },
  { phrases: [texts.map((text) => ({ text, prefix: true }))] },
  { phrases: texts.map((text) => [{ text, prefix: false }]) },
]);

t.test('search: the same articles found for CJK, Latin, prefix and phrase queries', async (t) => {
  const { sides } = await bothAdapters(t);
  await seed(sides);
  let found = 0;
  for (const q of SEARCHES) {
    const search = searchQueryOf(q);
    for (const [who, viewer] of Object.entries(VIEWERS).slice(0, 2)) {
      const ids = await same(t, sides, async (side) => (await side.read.articles.list({ search }, { key: 'publishedAt', desc: true }, undefined, 100, false, viewer)).map((r) => r.id), `${who}: ${q}`);
      if (ids.length > 0) found++;
    }
  }
  t.ok(found > 50, `most searches find something (${found})`);
  for (const search of HOSTILE) {
    await same(t, sides, async (side) => (await side.read.articles.list({ search }, { key: 'title', desc: false }, undefined, 100, false, VIEWERS.editor!)).map((r) => r.id), `hostile ${JSON.stringify(search)}`);
  }
});

t.test('search: a phrase never joins two fields, or two tags', async (t) => {
  const { sides } = await bothAdapters(t);
  await seed(sides);
  const find = (q: string) => (side: Side) => side.read.articles.list({ search: searchQueryOf(q) }, { key: 'title', desc: false }, undefined, 100, false, VIEWERS.editor!).then((r) => r.map((a) => a.id));
  t.same(await same(t, sides, find('"omega zeta"'), 'title end + subtitle start'), []);
  t.same(await same(t, sides, find('作东西'), 'the end of one tag and the start of the next'), []);
  t.not((await same(t, sides, find('"alpha omega"'), 'inside the title')).length, 0);
});

t.test('search: a put replaces the entry, a remove takes it out', async (t) => {
  const { sides } = await bothAdapters(t);
  await seed(sides);
  const find = (q: string) => (side: Side) => side.read.articles.list({ search: searchQueryOf(q) }, { key: 'title', desc: false }, undefined, 100, false, VIEWERS.editor!).then((r) => r.map((a) => a.id));
  for (const side of sides) {
    await side.write(async (r) => {
      const row = (await r.articles.byId(2))!;
      await r.searchIndex.put(2, documentOf({ ...row, title: '全新标题 replaced', tags: [] }));
      await r.searchIndex.remove(3);
    });
  }
  t.same(await same(t, sides, find('全新标题'), 'the new text found'), [2]);
  t.notOk((await same(t, sides, find('东西部协作'), 'the old text')).includes(2), 'the old text is gone');
  t.notOk((await same(t, sides, find('Café'), 'a removed entry')).includes(3), 'the removed entry is not found');
});
