import type { ArticleWriteOp, ChangeRecorder } from './changes/recorder.js';
import { indexArticle, type KnownSegments } from './search/index.js';
import type { ArticleRow, ChangeOp, SectionRow, SourceRow, Tx } from './store/port.js';

/** Segmentations an import made ahead on its worker threads, handed through to the search index. */
export type EffectOptions = { segments?: KnownSegments };

/**
 * What a content write causes besides the row itself, in one place, called explicitly by the
 * services inside the write's unit of work and written through its `tx`: the search-index entry,
 * the change-feed event and the webhooks outbox rows (the recorder and its observers), and, once
 * the unit has committed, a new content generation for the exact caches (Tx.contentChanged: the
 * store moves it after the commit, so no reader can cache the old answer under the new generation).
 */
export type WriteEffects = {
  article(tx: Tx, op: ArticleWriteOp, row: ArticleRow, previous: ArticleRow | null, opts?: EffectOptions): Promise<void>;
  link(tx: Tx, op: ChangeOp, linkId: number, articleId: number): Promise<void>;
  /** Changes to several of one article's links, in this order: as `link` for each, in fewer statements. */
  links(tx: Tx, changes: { op: ChangeOp; linkId: number }[], articleId: number): Promise<void>;
  section(tx: Tx, op: ChangeOp, row: SectionRow, previous: SectionRow | null): Promise<void>;
  source(tx: Tx, op: ChangeOp, row: SourceRow, previous: SourceRow | null): Promise<void>;
};

export function createWriteEffects(changes: Pick<ChangeRecorder, 'article' | 'link' | 'links' | 'section' | 'source'>): WriteEffects {
  return {
    async article(tx, op, row, previous, opts) {
      await indexArticle(tx, op, row, previous, opts?.segments);
      await changes.article(tx, op, row, previous);
      tx.contentChanged();
    },
    async link(tx, op, linkId, articleId) {
      await changes.link(tx, op, linkId, articleId);
      tx.contentChanged();
    },
    async links(tx, list, articleId) {
      if (list.length === 0) return;
      await changes.links(tx, list, articleId);
      tx.contentChanged();
    },
    async section(tx, op, row) {
      await changes.section(tx, op, row);
      tx.contentChanged();
    },
    async source(tx, op, row) {
      await changes.source(tx, op, row);
      tx.contentChanged();
    },
  };
}
