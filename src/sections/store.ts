import { eq, sql } from 'drizzle-orm';
import { AppError, conflict, notFound } from '../common/errors.js';
import { changesNothing } from '../common/patch.js';
import { slugify, uniqueSlug } from '../common/slug.js';
import type { Clock } from '../common/time.js';
import { checkVersion } from '../common/versioned.js';
import { translating } from '../store/sqlite/constraints.js';
import type { Db } from '../store/sqlite/connection.js';
import { sections } from '../store/sqlite/schema.js';
import type { SectionCreateInput, SectionDto, SectionUpdateInput } from './schemas.js';
import { toSection } from './service.js';

type Row = typeof sections.$inferSelect;

/** Called inside each write's transaction (change feed, webhooks outbox); must be synchronous. */
export type SectionListener = (op: 'create' | 'update' | 'delete', row: Row, previous: Row | null) => void;

/**
 * The import's synchronous way to write sections, inside its own better-sqlite3 transaction
 * (src/transfer/batch.ts). Everything else uses the service on the storage port (service.ts);
 * this goes when the import runs as a unit of work on the port.
 */
export function createSectionStore(db: Db, clock: Clock, listeners: SectionListener[] = []) {
  const emit: SectionListener = (op, row, previous) => listeners.forEach((l) => l(op, row, previous));
  const byId = db.select().from(sections).where(eq(sections.id, sql.placeholder('id'))).prepare();
  const bySlug = db.select().from(sections).where(eq(sections.slug, sql.placeholder('slug'))).prepare();

  const rowById = (id: number) => byId.get({ id });

  function mustGet(id: number): Row {
    const row = rowById(id);
    if (!row) throw notFound(`Section ${id}`);
    return row;
  }

  function checkParent(id: number | null, parentId: number | null | undefined) {
    if (parentId === null || parentId === undefined) return;
    if (!rowById(parentId)) {
      throw new AppError('unknown-reference', `Section ${parentId} does not exist`, {
        errors: [{ in: 'body', pointer: '/parentId', message: 'No section has this id' }],
      });
    }
    if (id === null) return;
    // Walk up from the new parent: meeting the section itself would make a cycle.
    for (let at: number | null = parentId; at !== null; at = rowById(at)?.parentId ?? null) {
      if (at === id) throw conflict('section-cycle', 'A section cannot be placed under itself or its own subsection', '/parentId');
    }
  }

  const slugTaken = (s: string) => bySlug.get({ slug: s }) !== undefined;

  function createSync(input: SectionCreateInput): SectionDto {
    const now = clock();
    return db.transaction(() => {
      checkParent(null, input.parentId);
      const slug = input.slug ?? uniqueSlug(slugify(input.name), slugTaken, 'section');
      const row = translating(() =>
        db
          .insert(sections)
          .values({
            slug,
            name: input.name,
            description: input.description ?? null,
            parentId: input.parentId ?? null,
            position: input.position ?? 0,
            createdAt: now,
            updatedAt: now,
          })
          .returning()
          .get(),
      );
      emit('create', row, null);
      return toSection(row);
    });
  }

  function updateSync(id: number, input: SectionUpdateInput, expected?: number): SectionDto {
    return db.transaction(() => {
      const current = mustGet(id);
      checkVersion(expected, current.version);
      if (changesNothing(current, input)) return toSection(current);
      checkParent(id, input.parentId);
      const row = translating(() =>
        db
          .update(sections)
          .set({ ...input, version: current.version + 1, updatedAt: clock() })
          .where(eq(sections.id, id))
          .returning()
          .get(),
      )!;
      emit('update', row, current);
      return toSection(row);
    });
  }

  return { createSync, updateSync };
}

export type SectionStore = ReturnType<typeof createSectionStore>;
