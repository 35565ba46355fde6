import type { After, CatalogRepo, SectionRepo, SectionRow, SourceRepo, SourceRow } from '../port.js';
import { binder, keysetAfter } from './keyset.js';
import { changed, row, rows, type Queryable } from './query.js';

/** A catalog table as the shared CRUD needs it: its name, its columns (row key → column), and the articles column that refers to it. */
type Table = { name: string; columns: Record<string, string>; articleColumn: string };

const SECTIONS: Table = {
  name: 'sections',
  columns: {
    id: 'id',
    slug: 'slug',
    name: 'name',
    description: 'description',
    parentId: 'parent_id',
    position: 'position',
    version: 'version',
    createdAt: 'created_at',
    updatedAt: 'updated_at',
  },
  articleColumn: 'section_id',
};

const SOURCES: Table = {
  name: 'sources',
  columns: { id: 'id', slug: 'slug', name: 'name', url: 'url', kind: 'kind', version: 'version', createdAt: 'created_at', updatedAt: 'updated_at' },
  articleColumn: 'source_id',
};

/** The columns of a table under their row names. */
const selectList = (t: Table) =>
  Object.entries(t.columns)
    .map(([key, column]) => (key === column ? column : `${column} AS "${key}"`))
    .join(', ');

/**
 * The CRUD that sections and sources share, written once over the table's column map. As on
 * SQLite (drizzle), a key whose value is undefined is left out: an insert gives the column its
 * default (a section's position 0, a source's kind 'newspaper'), an update leaves it as it is.
 */
function catalogRepo<Row extends { id: number; slug: string; version: number }>(q: Queryable, t: Table): CatalogRepo<Row> {
  const list = selectList(t);
  const writable = (values: Record<string, unknown>) =>
    Object.entries(values).filter(([key, value]) => value !== undefined && key !== 'id' && key !== 'version' && t.columns[key] !== undefined);
  return {
    byId: (id) => row<Row>(q, `SELECT ${list} FROM ${t.name} WHERE id = $1`, [id]),
    bySlug: (slug) => row<Row>(q, `SELECT ${list} FROM ${t.name} WHERE slug = $1`, [slug]),
    async insert(values) {
      const entries = writable({ ...(values as Record<string, unknown>), updatedAt: values.createdAt });
      const columns = entries.map(([key]) => t.columns[key]!).join(', ');
      const params = entries.map((_, i) => `$${i + 1}`).join(', ');
      return (await row<Row>(q, `INSERT INTO ${t.name} (${columns}) VALUES (${params}) RETURNING ${list}`, entries.map(([, value]) => value)))!;
    },
    async update(id, version, patch) {
      const entries = writable(patch as Record<string, unknown>);
      const set = entries.map(([key], i) => `${t.columns[key]!} = $${i + 3}`);
      set.push('version = $2::int4 + 1');
      return row<Row>(q, `UPDATE ${t.name} SET ${set.join(', ')} WHERE id = $1 AND version = $2 RETURNING ${list}`, [id, version, ...entries.map(([, value]) => value)]);
    },
    delete: async (id, version) => (await changed(q, `DELETE FROM ${t.name} WHERE id = $1 AND version = $2`, [id, version])) === 1,
    inUse: async (id) => (await row(q, `SELECT 1 FROM articles WHERE ${t.articleColumn} = $1 LIMIT 1`, [id])) !== undefined,
    byIds: async (ids) => (ids.length === 0 ? [] : rows<Row>(q, `SELECT ${list} FROM ${t.name} WHERE id = ANY($1::int8[])`, [ids])),
    idsOf: async (slugs) =>
      slugs.length === 0 ? [] : (await rows<{ id: number }>(q, `SELECT id FROM ${t.name} WHERE slug = ANY($1::text[])`, [slugs])).map((r) => r.id),
  };
}

const SECTION_LIST = selectList(SECTIONS);
const SOURCE_LIST = selectList(SOURCES);

export function createSectionRepo(q: Queryable): SectionRepo {
  return {
    ...catalogRepo<SectionRow>(q, SECTIONS),
    async page(filter, at: After<number> | undefined, limit) {
      const where: string[] = [];
      const { values, bind } = binder();
      if (filter.parentId === null) where.push('parent_id IS NULL');
      else if (filter.parentId !== undefined) where.push(`parent_id = ${bind(filter.parentId)}`);
      if (at) where.push(keysetAfter({ column: 'position', id: 'id', type: 'int', desc: false }, at, bind));
      const text = `SELECT ${SECTION_LIST} FROM sections ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY position, id LIMIT ${bind(limit)}`;
      return rows<SectionRow>(q, text, values);
    },
    all: () => rows<SectionRow>(q, `SELECT ${SECTION_LIST} FROM sections ORDER BY position, id`),
    hasChildren: async (id) => (await row(q, 'SELECT 1 FROM sections WHERE parent_id = $1 LIMIT 1', [id])) !== undefined,
    // As on SQLite, the id itself is in the answer whether or not such a section exists.
    descendantIds: async (id) =>
      (
        await rows<{ id: number }>(
          q,
          'WITH RECURSIVE t(id) AS (SELECT $1::int8 UNION SELECT s.id FROM sections s JOIN t ON s.parent_id = t.id) SELECT id FROM t',
          [id],
        )
      ).map((r) => r.id),
    subtreeIds: async (slugs) =>
      slugs.length === 0
        ? []
        : (
            await rows<{ id: number }>(
              q,
              `WITH RECURSIVE t(id) AS (SELECT id FROM sections WHERE slug = ANY($1::text[]) UNION SELECT s.id FROM sections s JOIN t ON s.parent_id = t.id)
               SELECT id FROM t`,
              [slugs],
            )
          ).map((r) => r.id),
  };
}

export function createSourceRepo(q: Queryable): SourceRepo {
  return {
    ...catalogRepo<SourceRow>(q, SOURCES),
    async page(filter, at: After<string> | undefined, limit) {
      const where: string[] = [];
      const { values, bind } = binder();
      if (filter.kind) where.push(`kind = ${bind(filter.kind)}`);
      // name is COLLATE "C": the comparison is by bytes, as on SQLite, and in the order of sources_name_idx.
      if (at) where.push(keysetAfter({ column: 'name', id: 'id', type: 'text', desc: false }, at, bind));
      const text = `SELECT ${SOURCE_LIST} FROM sources ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name, id LIMIT ${bind(limit)}`;
      return rows<SourceRow>(q, text, values);
    },
    all: () => rows<SourceRow>(q, `SELECT ${SOURCE_LIST} FROM sources ORDER BY id`),
  };
}
