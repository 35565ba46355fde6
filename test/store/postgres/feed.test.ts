// PostgreSQL-specific: concurrent writers on separate connections and a transaction held open, to prove the feed's fence.
import type pg from 'pg';
import t from 'tap';
import { laterPosition } from '../../../src/changes/cursor.js';
import type { ChangeEventInsert, ChangeFeedRepo, FeedEvent, FeedPosition, Visibility } from '../../../src/store/port.js';
import { createChangeLogRepo } from '../../../src/store/postgres/effects.js';
import { createChangeFeedRepo } from '../../../src/store/postgres/feed.js';
import { editorView } from '../../helpers/store-rows.js';
import { event, inTransaction, pgPool, sqliteStore, T0 } from './fixtures.js';

const editor = editorView(T0);
const reader = (sectionIds: number[] | null = null, sourceIds: number[] | null = null): Visibility => ({ editor: false, now: T0, sectionIds, sourceIds });

/** Follows the feed the way src/changes/feed.ts does: the last event of a full page, else the head (or `since`, if later). */
async function follow(feed: ChangeFeedRepo, view: Visibility, limit: number, since: FeedPosition = 0): Promise<{ events: FeedEvent[]; next: FeedPosition }> {
  const events: FeedEvent[] = [];
  for (;;) {
    const page = await feed.read(since, limit, view);
    events.push(...page.events);
    const full = page.events.length === limit;
    since = full ? page.events.at(-1)!.position : laterPosition(since, page.head);
    if (!full) return { events, next: since };
  }
}

const positionless = (events: FeedEvent[]) => events.map(({ position: _, ...e }) => e);

const before = (a: FeedPosition, b: FeedPosition) => laterPosition(a, b) === b && JSON.stringify(a) !== JSON.stringify(b);

/** A mix of what readers see: created, moved between sections and sources, hidden, links, catalog. */
const EVENTS: ChangeEventInsert[] = [
  event({ resource: 'section', resourceId: 1, op: 'create', readerBefore: false }),
  event({ resource: 'section', resourceId: 2, op: 'create', readerBefore: false }),
  event({ resource: 'source', resourceId: 1, op: 'create', readerBefore: false }),
  event({ resource: 'article', resourceId: 10, op: 'create', sectionId: 1, sourceId: 1, readerBefore: false }),
  event({ resource: 'article', resourceId: 11, op: 'create', sectionId: 2, readerBefore: false, readerAfter: false }),
  event({ resource: 'relatedLink', resourceId: 100, articleId: 10, op: 'create', sectionId: 1, sourceId: 1, prevSectionId: 1, prevSourceId: 1 }),
  event({ resource: 'article', resourceId: 10, sectionId: 2, sourceId: 1, prevSectionId: 1, prevSourceId: 1 }),
  event({ resource: 'article', resourceId: 11, sectionId: 2, prevSectionId: 2, readerBefore: false, readerAfter: true }),
  event({ resource: 'article', resourceId: 10, sectionId: 1, sourceId: null, prevSectionId: 2, prevSourceId: 1 }),
  event({ resource: 'section', resourceId: 2, at: T0 + 5 }),
  event({ resource: 'article', resourceId: 11, op: 'delete', sectionId: 2, prevSectionId: 2, readerAfter: false }),
  event({ resource: 'relatedLink', resourceId: 100, articleId: 10, op: 'delete', sectionId: 1, prevSectionId: 1, readerAfter: false }),
];

const VIEWS: [string, Visibility][] = [
  ['an editor', editor],
  ['a reader', reader()],
  ['a partner of section 1', reader([1])],
  ['a partner of section 2 and source 1', reader([2], [1])],
  ['a partner of no section', reader([])],
];

t.test('every viewer reads the same events from both adapters, page by page', async (t) => {
  const pool = await pgPool(t);
  const lite = sqliteStore(t);
  const log = createChangeLogRepo(pool);
  for (const e of EVENTS) await log.append(e);
  await lite.write(async (tx) => {
    for (const e of EVENTS) await tx.changeLog.append(e);
  });
  const feed = createChangeFeedRepo(pool);
  for (const [name, view] of VIEWS) {
    for (const limit of [1, 3, 100]) {
      const pgRead = await follow(feed, view, limit);
      const liteRead = await follow(lite.feed, view, limit);
      t.same(positionless(pgRead.events), positionless(liteRead.events), `${name}, pages of ${limit}`);
      t.same(pgRead.next, await feed.head(), `${name}: the feed ends at the head`);
      t.same((await feed.read(pgRead.next, limit, view)).events, [], `${name}: nothing after the head`);
    }
  }
  const all = (await follow(feed, editor, 100)).events;
  t.equal(all.length, EVENTS.length);
  t.ok(all.every((e, i) => i === 0 || before(all[i - 1]!.position, e.position)), 'positions increase');
  t.same(all.at(-1)!.position, await feed.head(), 'the head is the last event');
});

t.test('an empty feed: head 0, nothing to read', async (t) => {
  const pool = await pgPool(t);
  const feed = createChangeFeedRepo(pool);
  t.equal(await feed.head(), 0);
  t.same(await feed.read(0, 10, editor), { events: [], head: 0 });
  t.ok(feed.owns(0));
  t.ok(feed.owns({ xid: 5, cursor: 1 }));
  t.notOk(feed.owns(7), "SQLite's cursor is not this feed's");
  await t.rejects(feed.read(7, 10, editor));
});

/** Polls until `check` holds (other test files' transactions on the server may hold the fence back a moment). */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (await check()) return true;
  return false;
}

t.test('a transaction left open holds the fence: later events wait for it, then come after it in its order', async (t) => {
  const pool = await pgPool(t);
  const feed = createChangeFeedRepo(pool);
  const log = createChangeLogRepo(pool);
  await log.append(event({ resource: 'section', resourceId: 1 }));
  t.ok(await eventually(async () => (await feed.read(0, 10, editor)).events.length === 1), 'a committed event is served');

  const slow = await pool.connect();
  t.teardown(() => slow.release());
  await slow.query('BEGIN');
  await createChangeLogRepo(slow).append(event({ resource: 'section', resourceId: 2 }));
  // Committed after the slow one took its cursor and xid:
  await log.append(event({ resource: 'section', resourceId: 3 }));
  await log.append(event({ resource: 'section', resourceId: 4 }));

  const { events: seen, head } = await feed.read(0, 10, editor);
  t.same(seen.map((e) => e.id), [1], 'nothing after the open transaction is served, though 3 and 4 have committed');
  await new Promise((r) => setTimeout(r, 30));
  const lag = await feed.lag();
  t.ok(lag.heldBack >= 2, `lag(): the two committed events held back are counted (${lag.heldBack})`);
  t.ok(lag.oldestWriteMs !== null && lag.oldestWriteMs >= 30, `and the open write's age (${lag.oldestWriteMs} ms) is the oldest`);
  t.same(head, seen[0]!.position, 'nor is the head beyond it');
  t.same(await feed.head(), head, 'head() agrees with read');
  const mid = await follow(feed, editor, 10);
  t.same(mid.events.map((e) => e.id), [1]);

  await slow.query('COMMIT');
  t.ok(await eventually(async () => (await feed.read(mid.next, 10, editor)).events.length === 3), 'once it ends, the rest is served');
  t.ok(await eventually(async () => (await feed.lag()).heldBack === 0), 'and lag() counts none held back');
  const rest = await follow(feed, editor, 10, mid.next);
  t.same(rest.events.map((e) => e.id), [2, 3, 4], 'from where the reader stood, the late event first: nothing stepped past');
});

t.test('a transaction that rolls back holds the fence until it ends, and leaves nothing', async (t) => {
  const pool = await pgPool(t);
  const feed = createChangeFeedRepo(pool);
  const slow = await pool.connect();
  t.teardown(() => slow.release());
  await slow.query('BEGIN');
  await createChangeLogRepo(slow).append(event({ resource: 'section', resourceId: 1 }));
  await createChangeLogRepo(pool).append(event({ resource: 'section', resourceId: 2 }));
  t.same((await feed.read(0, 10, editor)).events, []);
  await slow.query('ROLLBACK');
  t.ok(await eventually(async () => (await feed.read(0, 10, editor)).events.length === 1));
  t.same((await follow(feed, editor, 10)).events.map((e) => e.id), [2]);
});

t.test('8 writers at once, one reader following: every committed event read exactly once, in order', async (t) => {
  const WRITERS = 8;
  const UNITS = 40;
  const pool = await pgPool(t, WRITERS + 3);
  const feed = createChangeFeedRepo(pool);
  const committed = new Set<number>();
  const rolledBack = new Set<number>();
  /** Each writer's units commit one after another: its events must be read in that order. */
  const orderOf = new Map<number, number>();
  let running = WRITERS;

  async function writer(w: number): Promise<void> {
    for (let u = 0; u < UNITS; u++) {
      const ids = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, (_, k) => w * 100_000 + u * 10 + k);
      const abort = Math.random() < 0.1;
      try {
        await inTransaction(pool, async (client: pg.PoolClient) => {
          const log = createChangeLogRepo(client);
          for (const id of ids) {
            await log.append(event({ resource: 'section', resourceId: id }));
            if (Math.random() < 0.3) await client.query('SELECT pg_sleep($1)', [Math.random() * 0.02]);
          }
          if (abort) throw new Error('rolled back on purpose');
        });
        ids.forEach((id, k) => (committed.add(id), orderOf.set(id, u * 10 + k)));
      } catch (error) {
        if (!abort) throw error;
        ids.forEach((id) => rolledBack.add(id));
      }
    }
  }

  const seen: FeedEvent[] = [];
  async function follower(): Promise<void> {
    let since: FeedPosition = 0;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const done = running === 0;
      const page = await feed.read(since, 50, editor);
      seen.push(...page.events);
      const full = page.events.length === 50;
      since = full ? page.events.at(-1)!.position : laterPosition(since, page.head);
      if (done && !full && seen.length >= committed.size) return;
      if (Date.now() > deadline) throw new Error(`the feed did not drain: ${seen.length} of ${committed.size}`);
      if (!full) await new Promise((r) => setTimeout(r, 2));
    }
  }

  const reading = follower();
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w + 1).finally(() => running--)));
  await reading;

  const ids = seen.map((e) => e.id);
  t.equal(new Set(ids).size, ids.length, 'no event read twice');
  t.same([...ids].sort((a, b) => a - b), [...committed].sort((a, b) => a - b), `every committed event read (${committed.size})`);
  t.ok(rolledBack.size > 0 && ids.every((id) => !rolledBack.has(id)), 'nothing of a rolled-back unit');
  t.ok(seen.every((e, i) => i === 0 || before(seen[i - 1]!.position, e.position)), 'positions strictly increase');
  for (let w = 1; w <= WRITERS; w++) {
    const own = ids.filter((id) => Math.floor(id / 100_000) === w).map((id) => orderOf.get(id)!);
    t.same(own, [...own].sort((a, b) => a - b), `writer ${w}'s events in its commit order`);
  }
  const again = await follow(feed, editor, 1000);
  t.same(again.events.map((e) => e.id), ids, 'read again from the start: the same events in the same order');
});
