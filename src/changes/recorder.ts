import type { Clock } from '../common/time.js';
import type { ArticleRow, ChangeEventInsert, ChangeOp, SectionRow, SourceRow, Store, Tx } from '../store/port.js';

type Op = ChangeOp;
/** What an article write did, as the article service tells it. */
export type ArticleWriteOp = 'create' | 'update' | 'delete' | 'restore' | 'purge';

/** What observers (the webhooks outbox) hear, inside the change's unit of work. */
export type Change =
  | { resource: 'article'; op: Op | 'publish'; row: ArticleRow; at: number; /** readers could not see it before and can now */ published: boolean }
  | { resource: 'section'; op: Op; row: SectionRow; at: number }
  | { resource: 'source'; op: Op; row: SourceRow; at: number };
/** Writes what it makes of a change through the change's own `tx`. */
export type ChangeObserver = (tx: Tx, change: Change) => Promise<void>;

const EDITOR_OP: Record<ArticleWriteOp, Op> = { create: 'create', update: 'update', restore: 'update', delete: 'delete', purge: 'delete' };

const NO_FILING = { articleId: null, sectionId: null, sourceId: null, prevSectionId: null, prevSourceId: null, pending: false, visibleAt: null };

/**
 * Writes the change feed (the change log of the port) inside each write's unit of work, called by
 * the write effects (src/write-effects.ts). For articles it records what readers were told:
 * `readerBefore` is the `readerAfter` of the article's previous event (not a recomputation), so
 * an article becomes visible in the feed exactly once per transition. A scheduled article's event
 * is `pending` until publishDue() writes its publication as a new event (see docs/changes-and-webhooks.md).
 */
export function createChangeRecorder(store: Pick<Store, 'anyDue' | 'write'>, clock: Clock, observers: ChangeObserver[] = []) {
  const notify = async (tx: Tx, change: Change) => {
    for (const observe of observers) await observe(tx, change);
  };
  const append = (tx: Tx, e: Omit<ChangeEventInsert, keyof typeof NO_FILING> & Partial<ChangeEventInsert>) => tx.changeLog.append({ ...NO_FILING, ...e });

  async function article(tx: Tx, writeOp: ArticleWriteOp, row: ArticleRow, previous: ArticleRow | null): Promise<void> {
    const now = clock();
    // Ids are never reused (both stores' ids only grow): a created article has no event to read or
    // settle, and no link can point at it yet, so there is nothing to fan out either.
    const created = writeOp === 'create';
    const before = created ? undefined : await tx.changeLog.lastOf(row.id);
    const live = writeOp !== 'purge' && row.deletedAt === null && row.status === 'published' && row.publishedAt !== null;
    const readerAfter = live && row.publishedAt! <= now;
    const readerBefore = before?.readerAfter === true;
    if (!created) await tx.changeLog.settle(row.id);
    await append(tx, {
      resource: 'article', resourceId: row.id, op: EDITOR_OP[writeOp], at: now, articleId: row.id,
      sectionId: row.sectionId, sourceId: row.sourceId,
      prevSectionId: before ? before.sectionId : row.sectionId, prevSourceId: before ? before.sourceId : row.sourceId,
      readerBefore, readerAfter, pending: live && !readerAfter, visibleAt: live && !readerAfter ? row.publishedAt : null,
    });
    // Links show their target's title and slug and hide invisible targets: the linking articles changed too.
    const renamed = previous !== null && (previous.title !== row.title || previous.slug !== row.slug);
    if (!created && (readerBefore !== readerAfter || writeOp === 'delete' || writeOp === 'restore' || renamed)) await tx.changeLog.fanOut(now, row.id);
    // Purging an article already in the trash is no news to subscribers: they heard of the delete.
    if (writeOp === 'purge' && previous?.deletedAt !== null) return;
    await notify(tx, { resource: 'article', op: EDITOR_OP[writeOp], row, at: now, published: !readerBefore && readerAfter });
  }

  /** The events of changes to one article's links, in this order: one read of what readers were last told of the article (link events do not change it), one write. */
  async function links(tx: Tx, changes: { op: Op; linkId: number }[], articleId: number): Promise<void> {
    if (changes.length === 0) return;
    const owner = await tx.changeLog.lastOf(articleId);
    const visible = owner?.readerAfter === true;
    const sectionId = owner?.sectionId ?? null;
    const sourceId = owner?.sourceId ?? null;
    await tx.changeLog.appendMany(
      changes.map(({ op, linkId }) => ({
        ...NO_FILING,
        resource: 'relatedLink', resourceId: linkId, op, at: clock(), articleId, sectionId, sourceId, prevSectionId: sectionId, prevSourceId: sourceId,
        readerBefore: op !== 'create' && visible, readerAfter: op !== 'delete' && visible,
      })),
    );
  }

  const link = (tx: Tx, op: Op, linkId: number, articleId: number): Promise<void> => links(tx, [{ op, linkId }], articleId);

  async function catalog(tx: Tx, change: Extract<Change, { resource: 'section' | 'source' }>): Promise<void> {
    const { op } = change;
    await append(tx, { resource: change.resource, resourceId: change.row.id, op, at: change.at, readerBefore: op !== 'create', readerAfter: op !== 'delete' });
    await notify(tx, change);
  }

  return {
    article,
    link,
    links,
    section: (tx: Tx, op: Op, row: SectionRow) => catalog(tx, { resource: 'section', op, row, at: clock() }),
    source: (tx: Tx, op: Op, row: SourceRow) => catalog(tx, { resource: 'source', op, row, at: clock() }),

    /**
     * Writes the publication of every scheduled article that has come due: one event each, in the
     * order of their publishedAt, appended to the log (so after everything a partner already read).
     * Idempotent, also when several callers run it at once: only the caller that settles an
     * article's pending event writes its publication. Called before the feed is read and on each
     * webhooks worker tick.
     */
    async publishDue(): Promise<number> {
      // Checked outside a unit first: feed reads should not take the write lock for nothing.
      if (!(await store.anyDue(clock()))) return 0;
      return store.write(async (tx) => {
        let published = 0;
        for (const { id, visibleAt } of await tx.changeLog.due(clock())) {
          const state = await tx.changeLog.lastOf(id);
          if (!state || !(await tx.changeLog.settle(id))) continue;
          await append(tx, {
            resource: 'article', resourceId: id, op: 'update', at: visibleAt, articleId: id,
            sectionId: state.sectionId, sourceId: state.sourceId, prevSectionId: state.sectionId, prevSourceId: state.sourceId,
            readerBefore: false, readerAfter: true,
          });
          await tx.changeLog.fanOut(visibleAt, id);
          const row = await tx.articles.byId(id);
          if (row) await notify(tx, { resource: 'article', op: 'publish', row, at: visibleAt, published: true });
          published++;
        }
        return published;
      });
    },
  };
}

export type ChangeRecorder = ReturnType<typeof createChangeRecorder>;
