import { toIso } from '../common/time.js';
import type { Viewer } from '../articles/visibility.js';
import type { ChangeFeedRepo, FeedPosition } from '../store/port.js';
import { encodePosition, invalidCursor, laterPosition } from './cursor.js';
import type { ChangeEventDto } from './schemas.js';

/**
 * Reading the change feed. Editors get every event as written. Readers get the events of what
 * they may see, with the op as it looks from where they stand: an article (or link) entering
 * their view is a create, one leaving it (unpublished, trashed, moved out of a partner's
 * sections) a delete, and events about things they never see are left out (the adapter filters,
 * ChangeFeedRepo). Scheduled publications that have come due are written first, so a reader
 * never misses one that no write has recorded yet.
 */
export function createChangeFeed(feed: ChangeFeedRepo, publishDue: () => Promise<number>) {
  return {
    /** The position of the latest event: a partner starting now reads from here. */
    async head(): Promise<string> {
      await publishDue();
      return encodePosition(await feed.head());
    },

    /**
     * Events after `since`, oldest first. nextCursor is never null: it is where to read next —
     * the last event of a full page, or the head when the page is not full (so that trailing
     * events this viewer may not see are not scanned again).
     */
    async list(since: FeedPosition, limit: number, viewer: Viewer): Promise<{ data: ChangeEventDto[]; nextCursor: string; hasMore: boolean }> {
      // A position of the database this one was copied from goes on from its copied event; another adapter's position means nothing here.
      const from = await feed.resolve(since);
      if (from === undefined) throw invalidCursor();
      await publishDue();
      const { events, head } = await feed.read(from, limit, viewer);
      const full = events.length === limit;
      const last = full ? events[events.length - 1]!.position : laterPosition(from, head);
      const data = events.map((e) => ({ cursor: encodePosition(e.position), resource: e.resource, id: e.id, articleId: e.resource === 'relatedLink' ? e.articleId : null, op: e.op, at: toIso(e.at) }));
      return { data, nextCursor: encodePosition(last), hasMore: full };
    },
  };
}

export type ChangeFeed = ReturnType<typeof createChangeFeed>;
