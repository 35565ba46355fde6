import t, { type Test } from 'tap';
import { documentOf } from '../../src/search/index.js';
import type { Store, TableWriter } from '../../src/store/port.js';
import { copyStore, CopyMismatch, DestinationNotEmpty, differs } from '../../src/transfer/copy.js';
import { buildTestApp, call, testStore, type TestApp } from '../helpers/app.js';
import { factories } from '../helpers/factories.js';
import { countStored, feedEvents } from '../helpers/store-rows.js';

const options = { documentOf: (row: Parameters<typeof documentOf>[0]) => documentOf(row), batch: 2 };

async function newsroom(t: Test): Promise<TestApp> {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const section = await f.section({ name: '天津' });
  const a = await f.article(section.id, { title: '甘肃省党政代表团来津考察', tags: ['天津', '经济'] });
  const b = await f.article(section.id, { title: '滨海新区 😀' });
  await f.link(a.id, { targetArticleId: b.id });
  await f.article(section.id, { title: '第三篇' });
  return ctx;
}

/** The destination, its unit's table writes passed through `change` first. */
function tampered(store: Store, change: (tables: TableWriter) => Partial<TableWriter>): Store {
  return { ...store, write: (work, o) => store.write((tx) => work({ ...tx, tables: { ...tx.tables, ...change(tx.tables) } }), o) };
}

const empty = async (t: Test, store: Store) => {
  for (const kind of ['articles', 'sections', 'keys', 'relatedLinks'] as const) t.equal(await countStored(store, kind), 0, `no ${kind} kept`);
  t.same(await feedEvents(store), [], 'no change events kept');
};

t.test('every table arrives, in pages, and is verified; the search index is built on the destination', async (t) => {
  const ctx = await newsroom(t);
  const destination = await testStore(t);
  const report = await copyStore(ctx.store, destination, options);
  t.same(report.filter(differs), []);
  t.same(report.find((r) => r.table === 'articles')?.destination.rows, 3);
  t.same(report.find((r) => r.table === 'api_keys')?.destination.rows, 3, 'the three keys of the test app');
  const events = async (store: Store) => (await feedEvents(store)).map(({ position: _position, ...e }) => e);
  t.same(await events(destination), await events(ctx.store), 'the feed, in its order');
  const hits = await destination.search.rank({ phrases: [[{ text: '甘肃', prefix: false }]] }, {}, { editor: true, now: Date.now(), sectionIds: null, sourceIds: null }, undefined, 10);
  t.equal(hits.length, 1, 'search finds the CJK article on the destination');
});

t.test('rows that differ when read back undo the whole copy', async (t) => {
  const ctx = await newsroom(t);
  const destination = await testStore(t);
  const broken = tampered(destination, (tables) => ({
    insert: (table, rows) => tables.insert(table, table === 'articles' ? rows.map((row, i) => (i === 0 ? { ...row, title: `${row.title as string}!` } : row)) : rows),
  }));
  const error = await copyStore(ctx.store, broken, options).catch((e: unknown) => e);
  t.type(error, CopyMismatch);
  t.same((error as CopyMismatch).report.filter(differs).map((r) => r.table), ['articles'], 'names the table');
  await empty(t, destination);
});

t.test('a copy that fails half-way leaves the destination as it was', async (t) => {
  const ctx = await newsroom(t);
  const destination = await testStore(t);
  const broken = tampered(destination, (tables) => ({
    insert: async (table, rows) => {
      if (table === 'related_links') throw new Error('the disk went away');
      return tables.insert(table, rows);
    },
  }));
  await t.rejects(copyStore(ctx.store, broken, options), { message: 'the disk went away' });
  await empty(t, destination);
  t.same((await copyStore(ctx.store, destination, options)).filter(differs), [], 'and a second copy into it succeeds');
});

t.test('a destination that holds anything is refused before anything is written', async (t) => {
  const ctx = await newsroom(t);
  const destination = await testStore(t);
  await destination.write((tx) => tx.sections.insert({ slug: 'x', name: '栏目', description: null, parentId: null, position: 0, createdAt: 0 }).then(() => undefined));
  const error = await copyStore(ctx.store, destination, options).catch((e: unknown) => e);
  t.type(error, DestinationNotEmpty);
  t.equal((error as DestinationNotEmpty).table, 'sections');
  t.equal(await countStored(destination, 'sections'), 1, 'its one section, nothing more');
});

/** A write to the source while the copy runs; what it commits after the snapshot began is not copied. */
async function writeDuringCopy(t: Test, ctx: TestApp, source: Store) {
  const destination = await testStore(t);
  const section = (await call(ctx.app, { method: 'GET', url: '/v1/sections' })).body.data[0].id as number;
  let late: Promise<unknown> | undefined;
  const watched = tampered(destination, (tables) => ({
    insert: async (table, rows) => {
      if (table === 'sections') {
        late = factories(ctx).article(section, { title: '复制时写入' });
        // Where the source's writers wait for the copy (one in-memory connection), the write goes on once it ends.
        await Promise.race([late, new Promise((resolve) => setTimeout(resolve, 500))]);
      }
      return tables.insert(table, rows);
    },
  }));
  const report = await copyStore(source, watched, options);
  await late;
  t.equal(report.find((r) => r.table === 'articles')?.source.rows, 3, 'the copy holds the articles of its snapshot');
  t.equal(await countStored(destination, 'articles'), 3);
  t.equal(await countStored(source, 'articles'), 4, 'the source took the write');
  t.same(report.filter(differs), [], 'and is consistent');
}

t.test('the source is read in one snapshot while its writers go on', async (t) => {
  const ctx = await newsroom(t);
  await writeDuringCopy(t, ctx, ctx.store);
});
