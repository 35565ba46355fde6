import type { PendingLinks, Store, Tx } from '../store/port.js';

/**
 * The articles of one import whose related links name articles not there yet, kept by the store
 * (src/store/port.ts PendingLinksRepo) until the end of the import. Written through the batches'
 * units of work: a dry run's rollback, or a batch that fails, takes its entries with it.
 */
export async function createPendingList(store: Store) {
  const list = await store.write((tx) => tx.pendingLinks.create());
  // Every article ever added, also by a batch that then rolled back: take() asks the store only
  // for these (most lines have nothing waiting, and asking is a round trip on PostgreSQL).
  const added = new Set<number>();
  return {
    add: (tx: Tx, entry: PendingLinks) => {
      added.add(entry.articleId);
      return tx.pendingLinks.add(list, entry);
    },
    /** Removes and returns an article's entries: a later line of the file replaces their links. */
    take: async (tx: Tx, articleId: number): Promise<PendingLinks[]> => (added.has(articleId) ? tx.pendingLinks.take(list, articleId) : []),
    /** Up to `limit` entries after `after`, in the order they were added. */
    page: (tx: Tx, after: number, limit: number) => tx.pendingLinks.page(list, after, limit),
    drop: () => store.write((tx) => tx.pendingLinks.drop(list)),
  };
}

export type PendingList = Awaited<ReturnType<typeof createPendingList>>;
