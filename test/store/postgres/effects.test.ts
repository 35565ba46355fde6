// PostgreSQL-specific: two nodes settling one due article at once, and links inserted with plain SQL for the fan-out.
import t from 'tap';
import type { PendingLinks } from '../../../src/store/port.js';
import { anyDueOf, createChangeLogRepo, createOutboxRepo, createPendingLinksRepo } from '../../../src/store/postgres/effects.js';
import { createChangeFeedRepo } from '../../../src/store/postgres/feed.js';
import { createDeliveryRepo, createWebhookRepo } from '../../../src/store/postgres/webhooks.js';
import { editorView, feedEvents } from '../../helpers/store-rows.js';
import { event, inTransaction, pgArticle, pgPool, pgSection, sqliteSeed, sqliteStore, T0 } from './fixtures.js';

const ARTICLES = [1, 2, 3, 4, 5].map((id) => ({ id, sectionId: 1 }));

t.test('the change log gives what SQLite gives: latest state, due publications in order, settling, the fan-out of links', async (t) => {
  const pool = await pgPool(t);
  const lite = sqliteStore(t);
  await pgSection(pool, 1);
  await pgSection(pool, 2);
  for (const a of ARTICLES) await pgArticle(pool, a);
  await sqliteSeed(lite, [1, 2], [], ARTICLES);
  // 2 and 3 link to 1; 1 links to itself; 4 links to 2; 5 links to 1 but was deleted from the feed's view.
  const LINKS = [[2, 1], [3, 1], [1, 1], [4, 2], [5, 1], [3, 1]] as const;
  for (const [from, to] of LINKS) {
    await pool.query('INSERT INTO related_links (article_id, target_article_id, position, created_at, updated_at) VALUES ($1, $2, 0, $3, $3)', [from, to, T0]);
  }
  await lite.write(async (tx) => {
    for (const [from, to] of LINKS) await tx.links.insert({ articleId: from, targetArticleId: to, url: null, title: null, position: 0, createdAt: T0, updatedAt: T0 });
  });
  const events = [
    event({ resource: 'article', resourceId: 1, op: 'create', sectionId: 1, readerBefore: false, readerAfter: false, pending: true, visibleAt: T0 + 300 }),
    event({ resource: 'article', resourceId: 2, op: 'create', sectionId: 1, readerBefore: false }),
    event({ resource: 'article', resourceId: 3, op: 'create', sectionId: 1, readerBefore: false, readerAfter: false, pending: true, visibleAt: T0 + 100 }),
    event({ resource: 'article', resourceId: 2, sectionId: 2, prevSectionId: 1 }),
    event({ resource: 'article', resourceId: 4, op: 'create', sectionId: 2, readerBefore: false, pending: true, visibleAt: T0 + 100 }),
    event({ resource: 'article', resourceId: 5, op: 'delete', sectionId: 1, readerAfter: false }),
    event({ resource: 'section', resourceId: 1 }),
  ];
  const pgLog = createChangeLogRepo(pool);
  for (const e of events) await pgLog.append(e);
  await lite.write(async (tx) => {
    for (const e of events) await tx.changeLog.append(e);
  });
  const anyDue = anyDueOf(pool);

  const both = async <T>(work: (log: typeof pgLog) => Promise<T>): Promise<[T, T]> => [await work(pgLog), await lite.write((tx) => work(tx.changeLog))];
  const same = async <T>(work: (log: typeof pgLog) => Promise<T>, message: string) => {
    const [p, l] = await both(work);
    t.same(p, l, message);
    return p;
  };

  t.same(await same((log) => log.lastOf(2), 'lastOf'), { readerAfter: true, sectionId: 2, sourceId: null, op: 'update' });
  t.equal(await same((log) => log.lastOf(99), 'lastOf of an article without events'), undefined);
  t.same(await same((log) => log.due(T0 + 99), 'nothing due yet'), []);
  t.equal(await anyDue(T0 + 99), false);
  t.same(await same((log) => log.due(T0 + 100), 'due: by visibleAt, then cursor'), [{ id: 3, visibleAt: T0 + 100 }, { id: 4, visibleAt: T0 + 100 }]);
  t.equal(await anyDue(T0 + 100), await lite.anyDue(T0 + 100));
  t.same(await same((log) => log.due(T0 + 1000), 'all due'), [{ id: 3, visibleAt: T0 + 100 }, { id: 4, visibleAt: T0 + 100 }, { id: 1, visibleAt: T0 + 300 }]);
  t.equal(await same((log) => log.settle(3), 'settle'), true);
  t.equal(await same((log) => log.settle(3), 'settle again'), false);
  t.equal(await same((log) => log.settle(2), 'settle an article with nothing pending'), false);
  t.same(await same((log) => log.due(T0 + 1000), 'a settled article is no longer due'), [{ id: 4, visibleAt: T0 + 100 }, { id: 1, visibleAt: T0 + 300 }]);

  await same((log) => log.fanOut(T0 + 500, 1), 'fan-out');
  await same((log) => log.fanOut(T0 + 600, 99), 'fan-out to an article nobody links to');
  const pgFeed = (await createChangeFeedRepo(pool).read(0, 100, editorView())).events.map(({ position: _, ...e }) => e);
  const liteFeed = (await feedEvents(lite)).map(({ position: _, ...e }) => e);
  t.same(pgFeed, liteFeed, 'the same feed on both');
  t.same(
    pgFeed.slice(events.length).map((e) => `${e.id}:${e.op}:${e.at}`),
    [`2:update:${T0 + 500}`, `3:update:${T0 + 500}`],
    'one update per linking article (not the target, not a deleted one), repeating its latest filing',
  );
  t.same(await same((log) => log.lastOf(2), 'the fan-out repeats the reader state and filing'), { readerAfter: true, sectionId: 2, sourceId: null, op: 'update' });
  t.same(await same((log) => log.lastOf(3), 'of a still hidden one too'), { readerAfter: false, sectionId: 1, sourceId: null, op: 'update' });
});

t.test('two nodes publishing the same due article at once: exactly one settles it', async (t) => {
  const pool = await pgPool(t);
  await createChangeLogRepo(pool).append(event({ resource: 'article', resourceId: 7, op: 'create', readerBefore: false, readerAfter: false, pending: true, visibleAt: T0 }));
  let firstSettled!: () => void;
  const settledFirst = new Promise<void>((resolve) => (firstSettled = resolve));
  let release!: () => void;
  const commitFirst = new Promise<void>((resolve) => (release = resolve));
  const a = inTransaction(pool, async (client) => {
    const log = createChangeLogRepo(client);
    t.same(await log.due(T0), [{ id: 7, visibleAt: T0 }]);
    const settled = await log.settle(7);
    firstSettled();
    await commitFirst;
    return settled;
  });
  await settledFirst;
  const b = inTransaction(pool, async (client) => {
    const log = createChangeLogRepo(client);
    t.same(await log.due(T0), [{ id: 7, visibleAt: T0 }], 'the other node saw it due as well');
    return log.settle(7);
  });
  // b now waits for a's row lock; let a commit.
  await new Promise((r) => setTimeout(r, 100));
  release();
  t.same(await Promise.all([a, b]), [true, false], 'the first settles it, the second finds it settled');

  // And both racing freely, many times over:
  for (let i = 0; i < 20; i++) {
    await createChangeLogRepo(pool).append(event({ resource: 'article', resourceId: 100 + i, pending: true, visibleAt: T0 }));
    const results = await Promise.all([0, 1, 2].map(() => inTransaction(pool, (client) => createChangeLogRepo(client).settle(100 + i))));
    t.equal(results.filter(Boolean).length, 1, `race ${i}: one settle`);
  }
  t.equal(await anyDueOf(pool)(T0 + 1), false);
});

t.test('the outbox: active subscribers, deliveries queued in the order given', async (t) => {
  const pool = await pgPool(t);
  const lite = sqliteStore(t);
  const seed = async (hooks: ReturnType<typeof createWebhookRepo>) => {
    await hooks.insert({ url: 'https://a.example/hook', events: ['*'], secret: 's1', createdAt: T0 });
    const b = await hooks.insert({ url: 'https://b.example/hook', events: ['article.published', 'article.updated'], secret: 's2', createdAt: T0 });
    await hooks.insert({ url: 'https://c.example/hook', events: ['section.created'], secret: 's3', createdAt: T0 });
    await hooks.update(b.id, { active: false, updatedAt: T0 + 1 });
  };
  await seed(createWebhookRepo(pool));
  await lite.write((tx) => seed(tx.webhooks));
  const outbox = createOutboxRepo(pool);
  const subs = await outbox.subscribers();
  t.same(subs, await lite.write((tx) => tx.outbox.subscribers()));
  t.same(subs, [{ id: 1, events: ['*'] }, { id: 3, events: ['section.created'] }]);
  const deliveries = [3, 1, 3, 1, 1].map((webhookId, i) => ({ webhookId, eventId: `msg_${i}`, eventType: 'article.updated', payload: `{"n":${i}}`, at: T0 + i }));
  await outbox.enqueue(deliveries);
  await outbox.enqueue([]);
  await lite.write((tx) => tx.outbox.enqueue(deliveries));
  for (const webhookId of [1, 3]) {
    const page = await createDeliveryRepo(pool).page(webhookId, {}, undefined, 100);
    t.same(page, await lite.deliveries.page(webhookId, {}, undefined, 100), `endpoint ${webhookId}'s log`);
    t.same(page.map((d) => d.eventId).reverse(), deliveries.filter((d) => d.webhookId === webhookId).map((d) => d.eventId), 'ids in the order queued');
  }
});

t.test('pending links: lists of their own, paged in the order added, taken by article, dropped', async (t) => {
  const pool = await pgPool(t);
  const lite = sqliteStore(t);
  const repo = createPendingLinksRepo(pool);
  const [a, b] = [await repo.create(), await repo.create()];
  t.not(a, b, 'names are unique');
  t.match(a, /^import_pending_[0-9a-f]{12}$/);
  const entries: PendingLinks[] = [
    { articleId: 5, line: 1, status: 'created', externalId: 'x-5', slug: null, links: '["x-9"]' },
    { articleId: 6, line: 2, status: 'updated', externalId: null, slug: 'six', links: '["x-5"]' },
    { articleId: 5, line: 3, status: 'unchanged', links: '[]' },
    { articleId: 7, line: 4, status: 'created', externalId: 'x-7', slug: 'seven', links: '["x-5","x-6"]' },
  ];
  const liteList = await lite.write((tx) => tx.pendingLinks.create());
  for (const e of entries) await repo.add(a, e);
  await repo.add(b, { articleId: 5, line: 9, status: 'created', links: '["other"]' });
  await lite.write(async (tx) => {
    for (const e of entries) await tx.pendingLinks.add(liteList, e);
  });
  const strip = (rows: (PendingLinks & { position: number })[]) => rows.map(({ position: _, ...r }) => r);

  const first = await repo.page(a, 0, 2);
  t.same(strip(first), strip(await lite.write((tx) => tx.pendingLinks.page(liteList, 0, 2))), 'a first page');
  t.same(first.map((r) => r.line), [1, 2]);
  const rest = await repo.page(a, first.at(-1)!.position, 10);
  t.same(rest.map((r) => r.line), [3, 4], 'after the last position');
  t.same(await repo.page(a, rest.at(-1)!.position, 10), [], 'then nothing');

  const taken = await repo.take(a, 5);
  t.same(taken, await lite.write((tx) => tx.pendingLinks.take(liteList, 5)), 'take gives what SQLite gives');
  t.same(taken.map((r) => r.line), [1, 3], "an article's entries, in the order added");
  t.same(await repo.take(a, 5), [], 'taken once');
  t.same(strip(await repo.page(a, 0, 10)), strip(await lite.write((tx) => tx.pendingLinks.page(liteList, 0, 10))), 'the rest is left');
  t.same((await repo.page(b, 0, 10)).map((r) => r.line), [9], "another list's entries are its own");

  await repo.drop(a);
  t.same(await repo.page(a, 0, 10), [], 'dropped');
  t.same((await repo.page(b, 0, 10)).map((r) => r.line), [9], 'the other list stays');
  await repo.drop(b);
  t.equal((await pool.query('SELECT count(*) AS n FROM import_pending_links')).rows[0].n, 0, 'nothing left behind');
});
