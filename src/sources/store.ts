import { and, eq, sql } from 'drizzle-orm';
import { after, decodeCursor, encodeCursor, fingerprint, orderBy, type Sort } from '../common/pagination.js';
import { slugify, uniqueSlug } from '../common/slug.js';
import { toIso, type Clock } from '../common/time.js';
import { changesNothing } from '../common/patch.js';
import { withUnique, type UniqueRule } from '../db/constraints.js';
import type { Db } from '../db/connection.js';
import { articles, sources } from '../db/schema.js';
import { checkVersion } from '../http/conditional.js';
import { conflict, notFound } from '../common/errors.js';
import type { SourceCreateInput, SourceDto, SourceUpdateInput } from './schemas.js';

type Row = typeof sources.$inferSelect;

/** Called inside each write's transaction (change feed, webhooks outbox); must be synchronous. */
export type SourceListener = (op: 'create' | 'update' | 'delete', row: Row, previous: Row | null) => void;

export const toSource = (r: Row): SourceDto => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  url: r.url,
  kind: r.kind,
  version: r.version,
  createdAt: toIso(r.createdAt),
  updatedAt: toIso(r.updatedAt),
});

const BY_NAME: Sort = { key: 'name', column: sources.name, desc: false };
const UNIQUE: UniqueRule[] = [{ column: 'sources.slug', code: 'slug-taken', pointer: '/slug', message: 'Another source has this slug' }];

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
      const row = withUnique(UNIQUE, () =>
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
      const row = withUnique(UNIQUE, () =>
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

  return {
    /** The source with this id, or with this slug when `ref` is not a number. */
    async resolve(ref: string): Promise<SourceDto | undefined> {
      // An all-digit ref is an id first; a slug may be all digits too (2023), so fall back to it.
      const row = (/^\d+$/.test(ref) ? byId.get({ id: Number(ref) }) : undefined) ?? bySlug.get({ slug: ref });
      return row && toSource(row);
    },

    async get(id: number): Promise<SourceDto> {
      return toSource(mustGet(id));
    },

    async getBySlug(slug: string): Promise<SourceDto> {
      const row = bySlug.get({ slug });
      if (!row) throw notFound(`Source "${slug}"`);
      return toSource(row);
    },

    async list(opts: { limit: number; cursor?: string; kind?: Row['kind'] }) {
      const filters = fingerprint({ kind: opts.kind ?? null });
      const where = opts.kind ? [eq(sources.kind, opts.kind)] : [];
      if (opts.cursor) {
        const c = decodeCursor(opts.cursor, BY_NAME, filters);
        where.push(after(BY_NAME, sources.id, c.v, c.id));
      }
      const rows = db
        .select()
        .from(sources)
        .where(and(...where))
        .orderBy(...orderBy(BY_NAME, sources.id))
        .limit(opts.limit + 1)
        .all();
      const page = rows.slice(0, opts.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > opts.limit && last ? encodeCursor(BY_NAME, filters, last.name, last.id) : null;
      return { data: page.map(toSource), nextCursor };
    },

    async create(input: SourceCreateInput): Promise<SourceDto> {
      return createSync(input);
    },

    async update(id: number, input: SourceUpdateInput, expected?: number): Promise<SourceDto> {
      return updateSync(id, input, expected);
    },

    /** create and update, synchronously: for callers that run them inside their own transaction (imports). */
    createSync,
    updateSync,

    async remove(id: number, expected?: number): Promise<void> {
      db.transaction(() => {
        const current = mustGet(id);
        checkVersion(expected, current.version);
        const used = db.select({ id: articles.id }).from(articles).where(eq(articles.sourceId, id)).limit(1).get();
        if (used) throw conflict('source-in-use', 'Articles (trashed ones included) still name this source: change them first');
        db.delete(sources).where(eq(sources.id, id)).run();
        emit('delete', current, current);
      });
    },
  };
}

export type SourceStore = ReturnType<typeof createSourceStore>;
