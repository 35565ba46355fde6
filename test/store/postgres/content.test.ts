// PostgreSQL-specific: the adapter's content repositories over a pool and on clients in transactions (pg error codes, two connections racing).
import t from 'tap';
import type { ArticleInsert, ArticleRow } from '../../../src/store/port.js';
import { createArticleRepo } from '../../../src/store/postgres/articles.js';
import { bothAdapters, postgresContent, same, type Side } from './both.js';

const T0 = 1_700_000_000_000;

const section = (slug: string, extra: Partial<{ parentId: number | null; position: number; description: string | null; name: string }> = {}) => ({
  slug,
  name: slug,
  description: null,
  parentId: null,
  position: 0,
  createdAt: T0,
  ...extra,
});

function article(slug: string, sectionId: number, extra: Partial<ArticleInsert> = {}): ArticleInsert {
  return {
    status: 'draft',
    publishedAt: null,
    deletedAt: null,
    sectionId,
    sourceId: null,
    createdAt: T0,
    updatedAt: T0,
    createdBy: null,
    updatedBy: null,
    slug,
    externalId: null,
    title: slug,
    subtitle: null,
    summary: null,
    byline: null,
    tags: [],
    sourceUrl: null,
    coverImageUrl: null,
    bodyText: '',
    body: '',
    ...extra,
  };
}

const editor = { editor: true, now: T0, sectionIds: null, sourceIds: null };
const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

t.test('sections: the same rows, versions, pages and trees as on SQLite', async (t) => {
  const { sides } = await bothAdapters(t);
  const s = (work: (side: Side) => Promise<unknown>, message: string) => same(t, sides, work, message);
  await s((x) => x.write((r) => r.sections.insert(section('news'))), 'insert: updatedAt = createdAt, version 1');
  await s((x) => x.write((r) => r.sections.insert({ slug: 'sport', name: 'Sport', description: 'd', parentId: null, createdAt: T0 + 1 } as never)), 'insert: position defaults to 0');
  await s((x) => x.write((r) => r.sections.insert(section('tianjin', { parentId: 1, position: 2, name: '天津' }))), 'insert a child');
  await s((x) => x.write((r) => r.sections.insert(section('binhai', { parentId: 3, position: 1 }))), 'a grandchild');
  await s((x) => x.write((r) => r.sections.insert(section('world', { position: 1 }))), 'a root at position 1');
  await s((x) => x.write((r) => r.sections.insert(section('asia', { parentId: 1, position: 1 }))), 'another child');
  await s((x) => x.read.sections.byId(3), 'byId');
  await s((x) => x.read.sections.byId(99), 'byId of none');
  await s((x) => x.read.sections.bySlug('tianjin'), 'bySlug');
  await s((x) => x.read.sections.bySlug('TIANJIN'), 'bySlug is exact');
  await s((x) => x.write((r) => r.sections.update(2, 1, { name: 'Sports', description: null, updatedAt: T0 + 5 })), 'update at the version read');
  await s((x) => x.write((r) => r.sections.update(2, 1, { name: 'stale', updatedAt: T0 + 6 })), 'update at a stale version: undefined');
  await s((x) => x.write((r) => r.sections.update(2, 2, { position: 3, name: undefined, updatedAt: T0 + 7 } as never)), 'undefined in a patch leaves the column');
  await s((x) => x.write((r) => r.sections.update(77, 1, { name: 'none', updatedAt: T0 })), 'update of none');
  await s((x) => x.read.sections.all(), 'all in navigation order');
  for (const parentId of [undefined, null, 1, 3, 42]) {
    for (const limit of [1, 2, 10]) {
      await s(async (x) => {
        const pages: number[][] = [];
        let after: { value: number; id: number } | undefined;
        for (;;) {
          const page = await x.read.sections.page({ parentId }, after, limit);
          if (page.length === 0) break;
          pages.push(ids(page));
          const last = page[page.length - 1]!;
          after = { value: last.position, id: last.id };
        }
        return pages;
      }, `pages of parent ${parentId} by ${limit}`);
    }
  }
  for (const value of ['1', 'x', 0.5, 1.5, -0.5, 1e300, -1e300]) {
    await s(async (x) => ids(await x.read.sections.page({}, { value: value as number, id: 2 }, 10)), `a forged section cursor ${JSON.stringify(value)}`);
  }
  await s((x) => x.read.sections.hasChildren(1), 'hasChildren');
  await s((x) => x.read.sections.hasChildren(4), 'hasChildren of a leaf');
  await s(async (x) => (await x.read.sections.descendantIds(1)).sort(), 'descendantIds');
  await s((x) => x.read.sections.descendantIds(404), 'descendantIds of none: the id itself, as on SQLite');
  await s(async (x) => (await x.read.sections.subtreeIds(['tianjin', 'world', 'nope'])).sort(), 'subtreeIds');
  await s((x) => x.read.sections.subtreeIds([]), 'subtreeIds of none');
  await s(async (x) => (await x.read.sections.byIds([5, 1, 99])).sort((a, b) => a.id - b.id), 'byIds');
  await s((x) => x.read.sections.byIds([]), 'byIds of none');
  await s(async (x) => (await x.read.sections.idsOf(['asia', 'news', 'x'])).sort(), 'idsOf');
  await s((x) => x.write((r) => r.articles.insert(article('a', 6))), 'an article in asia');
  await s((x) => x.read.sections.inUse(6), 'inUse');
  await s((x) => x.read.sections.inUse(5), 'not inUse');
  await s((x) => x.write((r) => r.sections.delete(5, 2)), 'delete at a stale version');
  await s((x) => x.write((r) => r.sections.delete(5, 1)), 'delete');
  await s((x) => x.write((r) => r.sections.delete(5, 1)), 'delete again');
  await s((x) => x.read.sections.all(), 'all after delete');
});

t.test('sources: the same rows and pages by name (bytes) as on SQLite', async (t) => {
  const { sides } = await bothAdapters(t);
  const s = (work: (side: Side) => Promise<unknown>, message: string) => same(t, sides, work, message);
  const names = ['新华社', 'Reuters', 'agence', 'Zeta', 'reuters', 'Ärzte', 'Reuters', '_under', 'ABC'];
  for (const [i, name] of names.entries()) {
    const kind = i % 3 === 0 ? undefined : i % 3 === 1 ? 'agency' : 'partner';
    await s((x) => x.write((r) => r.sources.insert({ slug: `s${i}`, name, url: i % 2 ? null : `https://s${i}.example`, ...(kind ? { kind } : {}), createdAt: T0 + i } as never)), `insert ${name}`);
  }
  await s((x) => x.read.sources.all(), 'all by id; kind defaults to newspaper');
  for (const kind of [undefined, 'agency', 'partner', 'internal'] as const) {
    for (const limit of [1, 2, 4]) {
      await s(async (x) => {
        const pages: number[][] = [];
        let after: { value: string; id: number } | undefined;
        for (;;) {
          const page = await x.read.sources.page({ kind }, after, limit);
          if (page.length === 0) break;
          pages.push(ids(page));
          const last = page[page.length - 1]!;
          after = { value: last.name, id: last.id };
        }
        return pages;
      }, `pages of ${kind ?? 'all'} by ${limit}`);
    }
  }
  for (const value of [5, 1.5, '']) {
    await s(async (x) => ids(await x.read.sources.page({}, { value: value as string, id: 2 }, 10)), `a forged source cursor ${JSON.stringify(value)}`);
  }
  await s((x) => x.write((r) => r.sources.update(1, 1, { kind: 'website', url: null, updatedAt: T0 + 100 })), 'update');
  await s((x) => x.write((r) => r.sources.update(1, 1, { kind: 'website', updatedAt: T0 + 100 })), 'stale update');
  await s((x) => x.write((r) => r.sections.insert(section('news'))), 'a section');
  await s((x) => x.write((r) => r.articles.insert(article('a', 1, { sourceId: 2 }))), 'an article from source 2');
  await s((x) => x.read.sources.inUse(2), 'inUse');
  await s((x) => x.read.sources.inUse(3), 'not inUse');
  await s(async (x) => (await x.read.sources.idsOf(['s1', 's3', 'zz'])).sort(), 'idsOf');
  await s(async (x) => (await x.read.sources.byIds([3, 1])).sort((a, b) => a.id - b.id), 'byIds');
  await s((x) => x.write((r) => r.sources.delete(3, 1)), 'delete');
  await s((x) => x.read.sources.bySlug('s3'), 'gone');
});

t.test('articles: reads, writes, tags, revisions, old slugs and deletes as on SQLite', async (t) => {
  const { sides } = await bothAdapters(t);
  const s = <T>(work: (side: Side) => Promise<T>, message: string) => same(t, sides, work, message);
  await s((x) => x.write((r) => r.sections.insert(section('news'))), 'a section');
  await s((x) => x.write((r) => r.sources.insert({ slug: 'xh', name: '新华社', url: null, kind: 'agency', createdAt: T0 })), 'a source');
  const first = await s(
    (x) =>
      x.write((r) =>
        r.articles.insert(
          article('tianjin', 1, {
            title: '天津港 “quoted” \\ back',
            tags: ['天津', 'port', '天津'],
            externalId: 'ext-1',
            sourceId: 1,
            status: 'published',
            publishedAt: T0 - 10,
            body: '<p>body</p>',
            bodyText: 'body',
            createdBy: 7,
          }),
        ),
      ),
    'insert: the row as stored, tags as given',
  );
  t.equal(first.version, 1);
  await s((x) => x.write((r) => r.articles.insert(article('second', 1, { tags: ['port'] }))), 'another');
  await s((x) => x.read.articles.byId(1), 'byId');
  await s((x) => x.read.articles.byId(3), 'byId of none');
  await s((x) => x.read.articles.bySlug('second'), 'bySlug');
  await s((x) => x.read.articles.byExternalId('ext-1'), 'byExternalId');
  await s((x) => x.read.articles.byExternalId('EXT-1'), 'byExternalId is exact');
  await s((x) => x.read.articles.head(1), 'head');
  await s((x) => x.read.articles.head(9), 'head of none');
  const tagged = (tags: string[]) => (x: Side) => x.read.articles.list({ tags }, { key: 'title', desc: false }, undefined, 10, false, editor).then(ids);
  await s(tagged(['天津']), 'tag rows written once per distinct tag');
  await s(tagged(['port']), 'tag port');
  await s((x) => x.write((r) => r.articles.update(1, 1, { title: 'new', tags: ['河北'], updatedAt: T0 + 1, updatedBy: 3, subtitle: null })), 'update: version + 1, tags replaced');
  await s(tagged(['天津']), 'old tag rows gone');
  await s(tagged(['河北']), 'new tag rows');
  await s((x) => x.write((r) => r.articles.update(1, 1, { title: 'stale', updatedAt: T0 + 2 })), 'stale update: undefined');
  await s((x) => x.write((r) => r.articles.update(1, 2, { summary: 'sum', updatedAt: T0 + 3, tags: undefined })), 'update without tags');
  await s(tagged(['河北']), 'tag rows kept when tags are not in the patch');
  await s((x) => x.write((r) => r.articles.update(1, 3, { tags: [], updatedAt: T0 + 4 })), 'tags emptied');
  await s(tagged(['河北']), 'no tag rows left');

  // Old slugs.
  await s((x) => x.write((r) => r.articles.retireSlug('old', 1, T0)), 'retire');
  await s((x) => x.write((r) => r.articles.retireSlug('old', 2, T0 + 1)), 'a slug kept already stays with its owner');
  await s((x) => x.read.articles.formerOwner('old'), 'formerOwner');
  await s((x) => x.read.articles.formerOwner('never'), 'formerOwner of none');
  await s((x) => x.write((r) => r.articles.releaseSlug('old')), 'release');
  await s((x) => x.read.articles.formerOwner('old'), 'released');
  await s((x) => x.write((r) => r.articles.retireSlug('old', 2, T0 + 1)), 'taken over');
  await s((x) => x.read.articles.formerOwner('old'), 'the new owner');

  // Revisions: newest first, the snapshot as written (key order too).
  const snapshot = { zeta: 1, alpha: ['天', null], nested: { b: 2, a: '\u2028' }, title: 'x' };
  for (const revision of [1, 3, 2]) await s((x) => x.write((r) => r.articles.addRevision({ articleId: 1, revision, snapshot: { ...snapshot, revision }, createdAt: T0 + revision, createdBy: revision === 2 ? null : 9 })), `revision ${revision}`);
  const rev = await s((x) => x.read.articles.revision(1, 3), 'revision');
  t.same(Object.keys(rev!.snapshot), ['zeta', 'alpha', 'nested', 'title', 'revision'], 'key order kept');
  t.same(Object.keys(rev!.snapshot.nested as object), ['b', 'a'], 'nested key order kept');
  await s((x) => x.read.articles.revision(1, 4), 'revision of none');
  await s(async (x) => (await x.read.articles.revisions(1)).map((r) => r.revision), 'revisions newest first');
  await s((x) => x.read.articles.revisions(1), 'revisions');

  // Links both ways, then a delete takes everything with it.
  await s((x) => x.write((r) => r.articles.insert(article('third', 1))), 'a third article');
  await s((x) => x.write((r) => r.links.insert({ articleId: 1, position: 0, targetArticleId: 2, url: null, title: null, createdAt: T0, updatedAt: T0 })), 'link 1 → 2');
  await s((x) => x.write((r) => r.links.insert({ articleId: 2, position: 0, targetArticleId: 1, url: null, title: null, createdAt: T0, updatedAt: T0 })), 'link 2 → 1');
  await s((x) => x.write((r) => r.links.insert({ articleId: 3, position: 0, targetArticleId: 1, url: null, title: null, createdAt: T0, updatedAt: T0 })), 'link 3 → 1');
  await s((x) => x.write((r) => r.links.insert({ articleId: 3, position: 1, targetArticleId: null, url: 'https://x.example', title: 'X', createdAt: T0, updatedAt: T0 })), 'an external link');
  await s((x) => x.write((r) => r.articles.delete(1, 1)), 'delete at a stale version');
  await s((x) => x.read.articles.byId(1).then((a) => a?.version), 'still there');
  await s((x) => x.write((r) => r.articles.delete(1, 4)), 'delete');
  await s((x) => x.write((r) => r.articles.delete(1, 4)), 'delete again');
  await s((x) => x.read.articles.revisions(1), 'revisions gone');
  await s((x) => x.read.articles.formerOwner('tianjin'), 'nothing left of it');
  await s((x) => x.read.links.forArticles([1, 2, 3]), 'links from and to it gone');
  await s((x) => x.read.articles.formerOwner('old'), "another article's old slug stays");
});

t.test('publicationSpan and scan as on SQLite', async (t) => {
  const { sides } = await bothAdapters(t);
  const s = <T>(work: (side: Side) => Promise<T>, message: string) => same(t, sides, work, message);
  await s((x) => x.write((r) => r.sections.insert(section('a'))), 'section a');
  await s((x) => x.write((r) => r.sections.insert(section('b'))), 'section b');
  await s((x) => x.write((r) => r.sources.insert({ slug: 'src', name: 'src', url: null, kind: 'agency', createdAt: T0 })), 'a source');
  await s((x) => x.read.articles.publicationSpan(T0), 'no articles: ±Infinity');
  const rows: Partial<ArticleInsert>[] = [
    { status: 'published', publishedAt: T0 - 100 },
    { status: 'published', publishedAt: T0 },
    { status: 'published', publishedAt: T0 + 50, deletedAt: T0 },
    { status: 'draft', publishedAt: T0 + 10 },
    { status: 'published', publishedAt: T0 + 200, sourceId: 1, sectionId: 2 },
    { status: 'archived', publishedAt: T0 - 5, updatedAt: T0 + 9 },
    { status: 'published', publishedAt: null, sectionId: 2, updatedAt: T0 + 10 },
  ];
  for (const [i, extra] of rows.entries()) await s((x) => x.write((r) => r.articles.insert(article(`a${i}`, 1, extra))), `article ${i}`);
  for (const now of [T0 - 1000, T0 - 100, T0 - 1, T0, T0 + 49, T0 + 50, T0 + 199, T0 + 200, T0 + 10_000]) await s((x) => x.read.articles.publicationSpan(now), `span at ${now - T0}`);
  const scans = [{}, { sectionIds: [2] }, { sectionIds: [] }, { sectionIds: [1, 2], sourceId: 1 }, { updatedSince: T0 + 9 }, { sectionIds: [2], updatedSince: T0 + 10 }];
  for (const filter of scans) {
    for (const limit of [1, 3, 100]) {
      await s(async (x) => {
        const all: ArticleRow[] = [];
        for (let after = 0; ; ) {
          const page = await x.read.articles.scan(after, filter, limit);
          if (page.length === 0) return all;
          all.push(...page);
          after = page[page.length - 1]!.id;
        }
      }, `scan ${JSON.stringify(filter)} by ${limit}`);
    }
  }
});

t.test('related links as on SQLite', async (t) => {
  const { sides } = await bothAdapters(t);
  const s = <T>(work: (side: Side) => Promise<T>, message: string) => same(t, sides, work, message);
  await s((x) => x.write((r) => r.sections.insert(section('a'))), 'section');
  for (const slug of ['one', 'two', 'three']) await s((x) => x.write((r) => r.articles.insert(article(slug, 1, { externalId: `e-${slug}`, status: 'published', publishedAt: T0 }))), slug);
  await s((x) => x.read.links.lastPosition(1), 'lastPosition without links: -1');
  await s((x) => x.read.links.count(1), 'count 0');
  await s((x) => x.write((r) => r.links.insert({ articleId: 1, position: 2, targetArticleId: 3, url: null, title: null, createdAt: T0, updatedAt: T0 })), 'insert');
  await s((x) => x.write((r) => r.links.insert({ articleId: 1, position: 0, targetArticleId: null, url: 'https://e.example', title: '外', createdAt: T0, updatedAt: T0 })), 'an external link');
  await s((x) => x.write((r) => r.links.insert({ articleId: 1, position: 2, targetArticleId: 2, url: null, title: null, createdAt: T0, updatedAt: T0 })), 'a tie in position');
  await s((x) => x.write((r) => r.links.insert({ articleId: 2, position: 0, targetArticleId: 1, url: null, title: null, createdAt: T0, updatedAt: T0 })), 'a link of another article');
  await s((x) => x.read.links.byId(1, 1), 'byId');
  await s((x) => x.read.links.byId(2, 1), 'byId of another article: none');
  await s((x) => x.read.links.count(1), 'count');
  await s((x) => x.read.links.lastPosition(1), 'lastPosition');
  await s((x) => x.read.links.ofArticle(1), 'ofArticle by position, id');
  await s((x) => x.read.links.forArticles([2, 1, 9]), 'forArticles with targets');
  await s((x) => x.read.links.forArticles([]), 'forArticles of none');
  await s((x) => x.write((r) => r.links.update(2, { url: 'https://f.example', updatedAt: T0 + 1 })), 'update the url');
  await s((x) => x.write((r) => r.links.update(1, { position: 5, title: null, updatedAt: T0 + 2 })), 'update the position; null keeps the column');
  await s((x) => x.read.links.ofArticle(1), 'updated');
  await s((x) => x.write((r) => r.links.delete(3)), 'delete');
  await s((x) => x.write((r) => r.links.delete(33)), 'delete of none');
  await s((x) => x.read.links.forArticles([1, 2]), 'after delete');
});

t.test('collisions are 23505 with the constraint named; a stale version is undefined', async (t) => {
  const { sides, pool } = await bothAdapters(t);
  const pg = sides[1];
  await pg.write((r) => r.sections.insert(section('news')));
  await pg.write((r) => r.articles.insert(article('same', 1, { externalId: 'x-1' })));
  await t.rejects(pg.write((r) => r.articles.insert(article('same', 1))), { code: '23505', constraint: 'articles_slug_unique' }, 'same slug');
  await t.rejects(pg.write((r) => r.articles.insert(article('other', 1, { externalId: 'x-1' }))), { code: '23505', constraint: 'articles_external_id_unique' }, 'same external id');
  // A failed insert has used its identity value (PostgreSQL's sequences never go back): ids are read, not assumed.
  const third = await pg.write((r) => r.articles.insert(article('third', 1)));
  await t.rejects(pg.write((r) => r.articles.update(third.id, 1, { slug: 'same', updatedAt: T0 })), { code: '23505', constraint: 'articles_slug_unique' }, 'renamed onto a taken slug');
  await t.rejects(pg.write((r) => r.sections.insert(section('news'))), { code: '23505', constraint: 'sections_slug_unique' }, 'same section slug');
  await pg.write((r) => r.sources.insert({ slug: 's', name: 's', url: null, kind: 'agency', createdAt: T0 }));
  await t.rejects(pg.write((r) => r.sources.insert({ slug: 's', name: 's', url: null, kind: 'agency', createdAt: T0 })), { code: '23505', constraint: 'sources_slug_unique' }, 'same source slug');
  t.equal(await pg.write((r) => r.articles.update(1, 7, { title: 'x', updatedAt: T0 })), undefined, 'stale version');
  t.equal((await pool.query('SELECT count(*) AS n FROM articles')).rows[0].n, 2, 'the failed inserts left nothing');
});

t.test('two transactions updating at the same version: exactly one succeeds', async (t) => {
  const { sides, pool } = await bothAdapters(t);
  const pg = sides[1];
  await pg.write((r) => r.sections.insert(section('news')));
  await pg.write((r) => r.articles.insert(article('raced', 1, { tags: ['a'] })));
  await pg.write((r) => r.sections.insert(section('raced-section')));
  const a = await pool.connect();
  const b = await pool.connect();
  t.teardown(() => {
    a.release();
    b.release();
  });
  await a.query('BEGIN');
  await b.query('BEGIN');
  const first = await createArticleRepo(a).update(1, 1, { title: 'by a', tags: ['from-a'], updatedAt: T0 + 1 });
  t.equal(first?.version, 2, 'the first writer gets the row');
  // b waits for a's row lock; once a commits, b's WHERE version = 1 no longer holds.
  const second = createArticleRepo(b).update(1, 1, { title: 'by b', tags: ['from-b'], updatedAt: T0 + 2 });
  const sectionsB = postgresContent(b).sections.update(2, 1, { name: 'b', updatedAt: T0 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await a.query('COMMIT');
  t.equal(await second, undefined, 'the second finds a newer version');
  t.equal((await sectionsB)?.version, 2, 'another row was not in the way');
  await b.query('COMMIT');
  const row = await pg.read.articles.byId(1);
  t.match(row, { title: 'by a', version: 2, tags: ['from-a'] });
  const tags = await pg.read.articles.list({ tags: ['from-b'] }, { key: 'title', desc: false }, undefined, 10, false, editor);
  t.same(tags, [], "the loser's tag rows were never written");
});

t.test('inside a transaction: own writes seen, others see them after COMMIT, nothing after ROLLBACK', async (t) => {
  const { sides, pool } = await bothAdapters(t);
  const pg = sides[1];
  await pg.write((r) => r.sections.insert(section('news')));
  const c = await pool.connect();
  t.teardown(() => c.release());
  await c.query('BEGIN');
  const inside = postgresContent(c);
  const row = await inside.articles.insert(article('in-tx', 1, { tags: ['t'] }));
  await inside.articles.addRevision({ articleId: row.id, revision: 1, snapshot: { a: 1 }, createdAt: T0, createdBy: null });
  t.match(await inside.articles.bySlug('in-tx'), { id: row.id }, 'seen inside');
  t.equal(await pg.read.articles.bySlug('in-tx'), undefined, 'not outside before COMMIT');
  await c.query('COMMIT');
  t.match(await pg.read.articles.bySlug('in-tx'), { id: row.id }, 'seen after COMMIT');
  await c.query('BEGIN');
  await inside.articles.insert(article('rolled-back', 1));
  await c.query('ROLLBACK');
  t.equal(await pg.read.articles.bySlug('rolled-back'), undefined, 'nothing after ROLLBACK');
});
