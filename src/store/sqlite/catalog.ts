import { and, asc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { After, CatalogRepo, SectionRepo, SectionRow, SourceRepo, SourceRow } from '../port.js';
import type { Db } from './connection.js';
import { translating } from './constraints.js';
import { articles, sections, sources } from './schema.js';

type Table = typeof sections | typeof sources;
type RowOf<T extends Table> = T['$inferSelect'];

/** The keyset condition "after (value, id)" ascending, and its order. */
const afterAsc = (column: SQLiteColumn, idColumn: SQLiteColumn, at: After<number | string>): SQL =>
  sql`(${column}, ${idColumn}) > (${at.value}, ${at.id})`;

/** The CRUD that sections and sources share, written once against their drizzle table. */
function catalogRepo<T extends Table>(db: Db, table: T, articleColumn: SQLiteColumn): CatalogRepo<RowOf<T>> {
  // drizzle's builders are generic over the table; the two tables share every column used here.
  const t = table as typeof sections & SQLiteTable;
  const byId = db.select().from(t).where(eq(t.id, sql.placeholder('id'))).prepare();
  const bySlug = db.select().from(t).where(eq(t.slug, sql.placeholder('slug'))).prepare();
  const used = db.select({ id: articles.id }).from(articles).where(eq(articleColumn, sql.placeholder('id'))).limit(1).prepare();
  // Prepared once for any number of ids or slugs (a JSON array), rather than built per call.
  const byIds = db.select().from(t).where(inArray(t.id, sql`(SELECT value FROM json_each(${sql.placeholder('ids')}))`)).prepare();
  const idsOf = db.select({ id: t.id }).from(t).where(inArray(t.slug, sql`(SELECT value FROM json_each(${sql.placeholder('slugs')}))`)).prepare();
  return {
    byId: async (id) => byId.get({ id }) as RowOf<T> | undefined,
    bySlug: async (slug) => bySlug.get({ slug }) as RowOf<T> | undefined,
    insert: async (values) =>
      translating(() =>
        db
          .insert(t)
          .values({ ...(values as object), updatedAt: values.createdAt } as typeof sections.$inferInsert)
          .returning()
          .get() as RowOf<T>,
      ),
    update: async (id, version, patch) =>
      translating(
        () =>
          db
            .update(t)
            .set({ ...(patch as object), version: version + 1 })
            .where(and(eq(t.id, id), eq(t.version, version)))
            .returning()
            .get() as RowOf<T> | undefined,
      ),
    delete: async (id, version) => translating(() => db.delete(t).where(and(eq(t.id, id), eq(t.version, version))).run().changes === 1),
    inUse: async (id) => used.get({ id }) !== undefined,
    byIds: async (ids) => (ids.length === 0 ? [] : (byIds.all({ ids: JSON.stringify(ids) }) as RowOf<T>[])),
    idsOf: async (slugs) => (slugs.length === 0 ? [] : idsOf.all({ slugs: JSON.stringify(slugs) }).map((r) => r.id)),
  };
}

export function createSectionRepo(db: Db): SectionRepo {
  const child = db.select({ id: sections.id }).from(sections).where(eq(sections.parentId, sql.placeholder('id'))).limit(1).prepare();
  const descendants = db.$client.prepare<[number], { id: number }>(
    'WITH RECURSIVE t(id) AS (SELECT ? UNION SELECT s.id FROM sections s JOIN t ON s.parent_id = t.id) SELECT id FROM t',
  );
  const subtree = db.$client.prepare<[string], { id: number }>(
    `WITH RECURSIVE t(id) AS (SELECT id FROM sections WHERE slug IN (SELECT value FROM json_each(?)) UNION SELECT s.id FROM sections s JOIN t ON s.parent_id = t.id)
     SELECT id FROM t`,
  );
  return {
    ...(catalogRepo(db, sections, articles.sectionId) as CatalogRepo<SectionRow>),
    async page(filter, at, limit) {
      const where: SQL[] = [];
      if (filter.parentId === null) where.push(isNull(sections.parentId));
      else if (filter.parentId !== undefined) where.push(eq(sections.parentId, filter.parentId));
      if (at) where.push(afterAsc(sections.position, sections.id, at));
      return db
        .select()
        .from(sections)
        .where(and(...where))
        .orderBy(asc(sections.position), asc(sections.id))
        .limit(limit)
        .all();
    },
    all: async () => db.select().from(sections).orderBy(asc(sections.position), asc(sections.id)).all(),
    hasChildren: async (id) => child.get({ id }) !== undefined,
    descendantIds: async (id) => descendants.all(id).map((r) => r.id),
    subtreeIds: async (slugs) => (slugs.length === 0 ? [] : subtree.all(JSON.stringify(slugs)).map((r) => r.id)),
  };
}

export function createSourceRepo(db: Db): SourceRepo {
  return {
    ...(catalogRepo(db, sources, articles.sourceId) as CatalogRepo<SourceRow>),
    async page(filter, at, limit) {
      const where: SQL[] = [];
      if (filter.kind) where.push(eq(sources.kind, filter.kind));
      if (at) where.push(afterAsc(sources.name, sources.id, at));
      return db
        .select()
        .from(sources)
        .where(and(...where))
        .orderBy(asc(sources.name), asc(sources.id))
        .limit(limit)
        .all();
    },
    all: async () => db.select().from(sources).orderBy(asc(sources.id)).all(),
  };
}
