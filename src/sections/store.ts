import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { after, decodeCursor, encodeCursor, fingerprint, orderBy, type Sort } from '../common/pagination.js';
import { slugify, uniqueSlug } from '../common/slug.js';
import { toIso, type Clock } from '../common/time.js';
import { changesNothing } from '../common/patch.js';
import { withUnique, type UniqueRule } from '../db/constraints.js';
import type { Db } from '../db/connection.js';
import { articles, sections } from '../db/schema.js';
import { checkVersion } from '../http/conditional.js';
import { AppError, badRequest, conflict, notFound } from '../common/errors.js';
import type { SectionCreateInput, SectionDto, SectionTreeNode, SectionUpdateInput } from './schemas.js';

type Row = typeof sections.$inferSelect;

/** Called inside each write's transaction (change feed, webhooks outbox); must be synchronous. */
export type SectionListener = (op: 'create' | 'update' | 'delete', row: Row, previous: Row | null) => void;

export const toSection = (r: Row): SectionDto => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  description: r.description,
  parentId: r.parentId,
  position: r.position,
  version: r.version,
  createdAt: toIso(r.createdAt),
  updatedAt: toIso(r.updatedAt),
});

const BY_POSITION: Sort = { key: 'position', column: sections.position, desc: false };
const UNIQUE: UniqueRule[] = [{ column: 'sections.slug', code: 'slug-taken', pointer: '/slug', message: 'Another section has this slug' }];

export type SectionListOptions = { limit: number; cursor?: string; parent?: string };

export function createSectionStore(db: Db, clock: Clock, listeners: SectionListener[] = []) {
  const emit: SectionListener = (op, row, previous) => listeners.forEach((l) => l(op, row, previous));
  const byId = db.select().from(sections).where(eq(sections.id, sql.placeholder('id'))).prepare();
  const bySlug = db.select().from(sections).where(eq(sections.slug, sql.placeholder('slug'))).prepare();

  const rowById = (id: number) => byId.get({ id });
  // An all-digit ref is an id first; a slug may be all digits too (2023), so fall back to it.
  const rowByRef = (ref: string) => (/^\d+$/.test(ref) ? rowById(Number(ref)) : undefined) ?? bySlug.get({ slug: ref });

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
      const row = withUnique(UNIQUE, () =>
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
      const row = withUnique(UNIQUE, () =>
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

  return {
    /** The section with this id, or with this slug when `ref` is not a number. */
    async resolve(ref: string): Promise<SectionDto | undefined> {
      const row = rowByRef(ref);
      return row && toSection(row);
    },

    async get(id: number): Promise<SectionDto> {
      return toSection(mustGet(id));
    },

    async getBySlug(slug: string): Promise<SectionDto> {
      const row = bySlug.get({ slug });
      if (!row) throw notFound(`Section "${slug}"`);
      return toSection(row);
    },

    async list(opts: SectionListOptions): Promise<{ data: SectionDto[]; nextCursor: string | null }> {
      const filters = fingerprint({ parent: opts.parent ?? null });
      const where = [];
      if (opts.parent === 'root') where.push(isNull(sections.parentId));
      else if (opts.parent !== undefined) {
        const parent = rowByRef(opts.parent);
        if (!parent) throw badRequest('Unknown parent section', [{ in: 'query', pointer: '/parent', message: 'No section has this id or slug' }]);
        where.push(eq(sections.parentId, parent.id));
      }
      if (opts.cursor) {
        const c = decodeCursor(opts.cursor, BY_POSITION, filters);
        where.push(after(BY_POSITION, sections.id, c.v, c.id));
      }
      const rows = db
        .select()
        .from(sections)
        .where(and(...where))
        .orderBy(...orderBy(BY_POSITION, sections.id))
        .limit(opts.limit + 1)
        .all();
      const page = rows.slice(0, opts.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > opts.limit && last ? encodeCursor(BY_POSITION, filters, last.position, last.id) : null;
      return { data: page.map(toSection), nextCursor };
    },

    async tree(): Promise<SectionTreeNode[]> {
      const rows = db.select().from(sections).orderBy(asc(sections.position), asc(sections.id)).all();
      const nodes = new Map<number, SectionTreeNode>(rows.map((r) => [r.id, { ...toSection(r), children: [] }]));
      const roots: SectionTreeNode[] = [];
      for (const r of rows) {
        const node = nodes.get(r.id)!;
        const parent = r.parentId === null ? undefined : nodes.get(r.parentId);
        (parent ? parent.children : roots).push(node);
      }
      return roots;
    },

    /** The ids of a section and all its subsections (for "section includes its subsections" filters). */
    async descendantIds(id: number): Promise<number[]> {
      const rows = db.$client
        .prepare(
          `WITH RECURSIVE t(id) AS (SELECT ? UNION SELECT s.id FROM sections s JOIN t ON s.parent_id = t.id) SELECT id FROM t`,
        )
        .all(id) as { id: number }[];
      return rows.map((r) => r.id);
    },

    async create(input: SectionCreateInput): Promise<SectionDto> {
      return createSync(input);
    },

    async update(id: number, input: SectionUpdateInput, expected?: number): Promise<SectionDto> {
      return updateSync(id, input, expected);
    },

    /** create and update, synchronously: for callers that run them inside their own transaction (imports). */
    createSync,
    updateSync,

    async remove(id: number, expected?: number): Promise<void> {
      db.transaction(() => {
        const current = mustGet(id);
        checkVersion(expected, current.version);
        const child = db.select({ id: sections.id }).from(sections).where(eq(sections.parentId, id)).limit(1).get();
        if (child) throw conflict('section-has-children', 'The section still has subsections: move or delete them first');
        const article = db.select({ id: articles.id }).from(articles).where(eq(articles.sectionId, id)).limit(1).get();
        if (article) throw conflict('section-in-use', 'Articles are still filed under this section (trashed ones included): move them first');
        db.delete(sections).where(eq(sections.id, id)).run();
        emit('delete', current, current);
      });
    },
  };
}

export type SectionStore = ReturnType<typeof createSectionStore>;

