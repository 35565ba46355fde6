// PostgreSQL-specific: the reads a unit of work remembers (src/store/postgres/unit-cache.ts) — asked once per unit, and never stale within it.
import type pg from 'pg';
import t, { type Test } from 'tap';
import { createPool, migrateDatabase } from '../../../src/store/postgres/connection.js';
import { createPostgresStore } from '../../../src/store/postgres/store.js';
import { createUnitCache } from '../../../src/store/postgres/unit-cache.js';
import type { Store } from '../../../src/store/port.js';
import { freshDatabase } from '../../helpers/postgres.js';

/** A store on a fresh database, and the statements its units send (every connection's). */
async function setUp(t: Test): Promise<{ store: Store; pool: pg.Pool; sent: string[] }> {
  const url = await freshDatabase(t);
  const pool = createPool(url, { poolSize: 3 });
  const sent: string[] = [];
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
      if (text) sent.push(text);
      return query(...args);
    };
  });
  await migrateDatabase(pool, url);
  const store = createPostgresStore(pool);
  t.teardown(() => store.close());
  return { store, pool, sent };
}

const section = (slug: string) => ({ slug, name: slug, description: null, parentId: null, position: 0, createdAt: 1 });
const reads = (sent: string[], table: string) => sent.filter((s) => s.startsWith('SELECT') && s.includes(`FROM ${table} WHERE`)).length;

t.test('a section or source read again in the unit is not asked again; another unit asks anew', async (t) => {
  const { store, sent } = await setUp(t);
  const id = await store.write(async (tx) => (await tx.sections.insert(section('news'))).id);
  sent.length = 0;
  await store.write(async (tx) => {
    for (let i = 0; i < 5; i++) {
      t.equal((await tx.sections.bySlug('news'))?.id, id);
      t.equal((await tx.sections.byId(id))?.slug, 'news');
      t.equal(await tx.sources.bySlug('none'), undefined, 'an answer of none is remembered too');
    }
  });
  t.equal(reads(sent, 'sections'), 2, 'one read by slug, one by id');
  t.equal(reads(sent, 'sources'), 1);
  await store.write(async (tx) => void (await tx.sections.bySlug('news')));
  t.equal(reads(sent, 'sections'), 3, 'the next unit reads for itself');
});

t.test('a write in the unit is seen by the reads after it', async (t) => {
  const { store } = await setUp(t);
  await store.write(async (tx) => {
    t.equal(await tx.sections.bySlug('news'), undefined);
    const row = await tx.sections.insert(section('news'));
    t.equal((await tx.sections.bySlug('news'))?.id, row.id, 'the insert is seen');
    const updated = await tx.sections.update(row.id, row.version, { name: '新闻', updatedAt: 2 });
    t.equal((await tx.sections.byId(row.id))?.name, '新闻', 'the update is seen');
    t.equal((await tx.sections.bySlug('news'))?.version, updated!.version);
    t.ok(await tx.sections.delete(row.id, updated!.version));
    t.equal(await tx.sections.byId(row.id), undefined, 'the delete is seen');
  });
});

t.test('a savepoint rolled back leaves no answer it read behind', async (t) => {
  const { store } = await setUp(t);
  await store.write(async (tx) => {
    await t.rejects(
      tx.savepoint(async (sp) => {
        await sp.sections.insert(section('gone'));
        t.ok(await sp.sections.bySlug('gone'), 'seen inside the savepoint');
        throw new Error('the line fails');
      }),
      /the line fails/,
    );
    t.equal(await tx.sections.bySlug('gone'), undefined, 'not after its rollback');
  });
  t.equal(await store.sections.bySlug('gone'), undefined);
});

t.test('an answer is handed out as a copy: changing it changes nothing for the next reader', async (t) => {
  const { store } = await setUp(t);
  await store.write(async (tx) => void (await tx.sections.insert(section('news'))));
  await store.write(async (tx) => {
    const first = (await tx.sections.bySlug('news'))!;
    first.name = 'changed by a caller';
    t.equal((await tx.sections.bySlug('news'))!.name, 'news');
  });
});

t.test("the outbox's endpoints: remembered, and asked again once an endpoint changes in the unit", async (t) => {
  const { store, sent } = await setUp(t);
  sent.length = 0;
  await store.write(async (tx) => {
    t.same(await tx.outbox.subscribers(), []);
    const hook = await tx.webhooks.insert({ url: 'https://example.com/hook', events: ['*'], secret: 's', createdAt: 1 });
    t.same(await tx.outbox.subscribers(), [{ id: hook.id, events: ['*'] }], 'a new endpoint is seen');
    await tx.outbox.enqueue([{ webhookId: hook.id, eventId: 'e1', eventType: 'article.created', payload: '{}', at: 1 }]);
    t.same(await tx.outbox.subscribers(), [{ id: hook.id, events: ['*'] }], 'enqueueing changes no endpoint');
    await tx.deliveryQueue.disable(hook.id, 'gone', 2);
    t.same(await tx.outbox.subscribers(), [], 'a disabled endpoint is gone');
  });
  t.equal(sent.filter((s) => s.includes('FROM webhooks WHERE active')).length, 3, 'asked at the start, after the insert and after the disable');
});

t.test("an article's feed state: the unit's own event answers, a fan-out forgets it, another unit reads it", async (t) => {
  const { store, sent } = await setUp(t);
  const event = (resourceId: number, readerAfter: boolean, sectionId: number) => ({
    resource: 'article' as const, resourceId, op: 'update' as const, at: 1, articleId: resourceId, sectionId, sourceId: null, prevSectionId: sectionId, prevSourceId: null,
    readerBefore: false, readerAfter, pending: false, visibleAt: null,
  });
  const lastOfReads = () => sent.filter((s) => s.includes("WHERE resource = 'article' AND resource_id = $1 ORDER BY cursor DESC")).length;
  sent.length = 0;
  await store.write(async (tx) => {
    t.equal(await tx.changeLog.lastOf(7), undefined);
    await tx.changeLog.append(event(7, true, 1));
    t.same(await tx.changeLog.lastOf(7), { readerAfter: true, sectionId: 1, sourceId: null, op: 'update' }, 'what the unit appended');
    await tx.changeLog.appendMany([event(7, false, 2), { ...event(8, true, 1), resource: 'relatedLink' as const, resourceId: 99, articleId: 7 }, event(9, true, 3)]);
    t.same(await tx.changeLog.lastOf(7), { readerAfter: false, sectionId: 2, sourceId: null, op: 'update' }, 'the last of several');
    t.same((await tx.changeLog.lastOf(9))?.sectionId, 3);
  });
  t.equal(lastOfReads(), 1, 'only the first was read');
  await store.write(async (tx) => {
    t.same((await tx.changeLog.lastOf(7))?.sectionId, 2, 'another unit reads what was committed');
    await tx.changeLog.fanOut(5, 7);
    t.same((await tx.changeLog.lastOf(7))?.sectionId, 2);
  });
  t.equal(lastOfReads(), 3, 'read anew after a fan-out');
  await store.write(async (tx) => {
    await t.rejects(
      tx.savepoint(async (sp) => {
        await sp.changeLog.append(event(7, true, 4));
        throw new Error('the line fails');
      }),
    );
    t.same((await tx.changeLog.lastOf(7))?.sectionId, 2, 'an event rolled back is no answer');
  });
});

t.test('the cache itself: a failed read is not remembered; other methods forget only their table', async (t) => {
  const cache = createUnitCache();
  let calls = 0;
  const repo = {
    read: async (fail: boolean) => {
      calls++;
      if (fail) throw new Error('lost');
      return { n: calls };
    },
    write: async () => undefined,
  };
  const other = { read: async () => ({ n: ++calls }) };
  const a = cache.remember(repo, 'a', ['read']);
  const b = cache.remember(other, 'b', ['read']);
  await t.rejects(a.read(true), /lost/);
  await t.rejects(a.read(true), /lost/, 'read again after a failure');
  t.equal(calls, 2);
  t.same(await a.read(false), { n: 3 });
  t.same(await b.read(), { n: 4 });
  await a.write();
  t.same(await a.read(false), { n: 5 }, 'a write forgets the table');
  t.same(await b.read(), { n: 4 }, 'and only that table');
  cache.clear();
  t.same(await b.read(), { n: 6 }, 'clear forgets everything');
});
