import type { ChangeRecorder } from './changes/recorder.js';
import type { ContentGeneration } from './common/generation.js';
import type { SectionRow, SourceRow, Tx } from './store/port.js';

type Op = 'create' | 'update' | 'delete';

/**
 * What a content write causes besides the row itself, called explicitly by the services inside
 * the write's unit of work: the change-feed event and the webhooks outbox rows (the recorder and
 * its observers), and, once the unit has committed, a new content generation for the exact
 * caches (moved after the commit, so no reader can cache the old answer under the new generation).
 *
 * Step of the storage port: the recorder still writes through the SQLite handle, which is the
 * unit of work's own connection, so its rows commit with `tx`; it moves behind `tx` next.
 */
export type WriteEffects = {
  section(tx: Tx, op: Op, row: SectionRow, previous: SectionRow | null): Promise<void>;
  source(tx: Tx, op: Op, row: SourceRow, previous: SourceRow | null): Promise<void>;
};

export function createWriteEffects(changes: Pick<ChangeRecorder, 'section' | 'source'>, generation: Pick<ContentGeneration, 'bump'>): WriteEffects {
  return {
    async section(tx, op, row, previous) {
      changes.section(op, row, previous);
      tx.afterCommit(generation.bump);
    },
    async source(tx, op, row, previous) {
      changes.source(op, row, previous);
      tx.afterCommit(generation.bump);
    },
  };
}
