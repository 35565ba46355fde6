// PostgreSQL-specific: sets up the adapter's repositories over a pool, and rows they read, with plain INSERTs.
import type pg from 'pg';
import type { Test } from 'tap';
import type { ChangeEventInsert, Store, Tx } from '../../../src/store/port.js';
import { createPool } from '../../../src/store/postgres/connection.js';
import type { Queryable } from '../../../src/store/postgres/query.js';
import { openSqliteStore } from '../../../src/store/sqlite/store.js';
import { freshDatabase } from '../../helpers/postgres.js';

/** A pool over a fresh migrated database, ended at teardown. */
export async function pgPool(t: Test, poolSize = 10): Promise<pg.Pool> {
  const pool = createPool(await freshDatabase(t), { poolSize });
  t.teardown(() => pool.end());
  return pool;
}

/** An in-memory SQLite store, the adapter whose results the PostgreSQL one must equal. */
export function sqliteStore(t: Test): Store {
  const { store } = openSqliteStore(':memory:');
  t.teardown(() => store.close());
  return store;
}

/** Runs `work` in a transaction on one connection of the pool (what the store's unit of work does). */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export const T0 = Date.UTC(2026, 10, 27, 8);

/** A section row with this id (and slug), as the SQLite store's insert makes it. */
export async function pgSection(q: Queryable, id: number, slug = `s${id}`): Promise<void> {
  await q.query('INSERT INTO sections (id, slug, name, position, version, created_at, updated_at) VALUES ($1, $2, $3, 0, 1, $4, $4)', [id, slug, `Section ${id}`, T0]);
}

export async function pgSource(q: Queryable, id: number, slug = `src${id}`): Promise<void> {
  await q.query(`INSERT INTO sources (id, slug, name, kind, version, created_at, updated_at) VALUES ($1, $2, $3, 'newspaper', 1, $4, $4)`, [id, slug, `Source ${id}`, T0]);
}

export type ArticleSeed = {
  id: number;
  sectionId: number;
  sourceId?: number | null;
  status?: 'draft' | 'published' | 'archived';
  publishedAt?: number | null;
  deletedAt?: number | null;
  updatedAt?: number;
  slug?: string;
  title?: string;
};

export async function pgArticle(q: Queryable, a: ArticleSeed): Promise<void> {
  await q.query(
    `INSERT INTO articles (id, status, published_at, deleted_at, section_id, source_id, created_at, updated_at, slug, title)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [a.id, a.status ?? 'published', a.publishedAt ?? null, a.deletedAt ?? null, a.sectionId, a.sourceId ?? null, T0, a.updatedAt ?? T0, a.slug ?? `a-${a.id}`, a.title ?? `Article ${a.id}`],
  );
}

/** The same sections, sources and articles through the SQLite store's port; ids come out as given (inserted in id order). */
export async function sqliteSeed(store: Store, sections: number[], sources: number[], articles: ArticleSeed[]): Promise<void> {
  await store.write(async (tx: Tx) => {
    for (const id of sections) {
      const row = await tx.sections.insert({ slug: `s${id}`, name: `Section ${id}`, description: null, parentId: null, position: 0, createdAt: T0 });
      if (row.id !== id) throw new Error(`section ${id} came out as ${row.id}: seed them in id order from 1`);
    }
    for (const id of sources) {
      const row = await tx.sources.insert({ slug: `src${id}`, name: `Source ${id}`, url: null, kind: 'newspaper', createdAt: T0 });
      if (row.id !== id) throw new Error(`source ${id} came out as ${row.id}: seed them in id order from 1`);
    }
    for (const a of articles) {
      const row = await tx.articles.insert({
        status: a.status ?? 'published', publishedAt: a.publishedAt ?? null, deletedAt: a.deletedAt ?? null, sectionId: a.sectionId, sourceId: a.sourceId ?? null,
        createdAt: T0, updatedAt: a.updatedAt ?? T0, createdBy: null, updatedBy: null, slug: a.slug ?? `a-${a.id}`, externalId: null, title: a.title ?? `Article ${a.id}`,
        subtitle: null, summary: null, byline: null, tags: [], sourceUrl: null, coverImageUrl: null, bodyText: '', body: '',
      });
      if (row.id !== a.id) throw new Error(`article ${a.id} came out as ${row.id}: seed them in id order from 1`);
    }
  });
}

/** A change event with the defaults of a plain update seen by everyone. */
export const event = (e: Partial<ChangeEventInsert> & Pick<ChangeEventInsert, 'resource' | 'resourceId'>): ChangeEventInsert => ({
  op: 'update', at: T0, articleId: e.resource === 'article' ? e.resourceId : null, sectionId: null, sourceId: null, prevSectionId: null, prevSourceId: null,
  readerBefore: true, readerAfter: true, pending: false, visibleAt: null, ...e,
});
