import { eq, sql } from 'drizzle-orm';
import { notFound } from '../common/errors.js';
import { changesNothing } from '../common/patch.js';
import { slugify, uniqueSlug } from '../common/slug.js';
import type { Clock } from '../common/time.js';
import { checkVersion } from '../common/versioned.js';
import { translating } from '../store/sqlite/constraints.js';
import type { Db } from '../store/sqlite/connection.js';
import { sources } from '../store/sqlite/schema.js';
import type { SourceCreateInput, SourceDto, SourceUpdateInput } from './schemas.js';
import { toSource } from './service.js';

type Row = typeof sources.$inferSelect;

/** Called inside each write's transaction (change feed, webhooks outbox); must be synchronous. */
export type SourceListener = (op: 'create' | 'update' | 'delete', row: Row, previous: Row | null) => void;

/**
 * The import's synchronous way to write sources, inside its own better-sqlite3 transaction
 * (src/transfer/batch.ts). Everything else uses the service on the storage port (service.ts);
 * this goes when the import runs as a unit of work on the port.
 */
export function createSourceStore(db: Db, clock: Clock, listeners: SourceListener[] = []) {
  const emit: SourceListener = (op, row, previous) => listeners.forEach((l) => l(op, row, previous));
  const byId = db.select().from(sources).where(eq(sources.id, sql.placeholder('id'))).prepare();
  const bySlug = db.select().from(sources).where(eq(sources.slug, sql.placeholder('slug'))).prepare();

  function mustGet(id: number): Row {
    const row = byId.get({ id });
    if (!row) throw notFound(`Source ${id}`);
    return row;
  }

  function createSync(input: SourceCreateInput): SourceDto {
    const now = clock();
    return db.transaction(() => {
      const slug = input.slug ?? uniqueSlug(slugify(input.name), (s) => bySlug.get({ slug: s }) !== undefined, 'source');
      const row = translating(() =>
        db
          .insert(sources)
          .values({ slug, name: input.name, url: input.url ?? null, kind: input.kind ?? 'newspaper', createdAt: now, updatedAt: now })
          .returning()
          .get(),
      );
      emit('create', row, null);
      return toSource(row);
    });
  }

  function updateSync(id: number, input: SourceUpdateInput, expected?: number): SourceDto {
    return db.transaction(() => {
      const current = mustGet(id);
      checkVersion(expected, current.version);
      if (changesNothing(current, input)) return toSource(current);
      const row = translating(() =>
        db
          .update(sources)
          .set({ ...input, version: current.version + 1, updatedAt: clock() })
          .where(eq(sources.id, id))
          .returning()
          .get(),
      )!;
      emit('update', row, current);
      return toSource(row);
    });
  }

  return { createSync, updateSync };
}

export type SourceStore = ReturnType<typeof createSourceStore>;
