import type pg from 'pg';
import type { Test } from 'tap';
import type { ArticleRepo, RelatedLinkRepo, SearchIndexRepo, SectionRepo, SourceRepo } from '../../../src/store/port.js';
import { createArticleRepo, createRelatedLinkRepo } from '../../../src/store/postgres/articles.js';
import { createSectionRepo, createSourceRepo } from '../../../src/store/postgres/catalog.js';
import { createPool } from '../../../src/store/postgres/connection.js';
import { createSearchIndexRepo } from '../../../src/store/postgres/fts.js';
import type { Queryable } from '../../../src/store/postgres/query.js';
import { openSqliteStore } from '../../../src/store/sqlite/store.js';
import { freshDatabase } from '../../helpers/postgres.js';

/** The content repositories both adapters have, as a unit of work holds them. */
export type Content = { sections: SectionRepo; sources: SourceRepo; articles: ArticleRepo; links: RelatedLinkRepo; searchIndex: SearchIndexRepo };

/** One adapter: writes in a unit of work, reads outside. */
export type Side = { name: 'sqlite' | 'postgres'; write<T>(work: (r: Content) => Promise<T>): Promise<T>; read: Omit<Content, 'searchIndex'> };

export const postgresContent = (q: Queryable): Content => ({
  sections: createSectionRepo(q),
  sources: createSourceRepo(q),
  articles: createArticleRepo(q),
  links: createRelatedLinkRepo(q),
  searchIndex: createSearchIndexRepo(q),
});

/**
 * A fresh SQLite store in memory and a fresh PostgreSQL database with the content repositories
 * over a pool: the same scenario run through both must give the same answers (ids included:
 * both number rows from 1).
 */
export async function bothAdapters(t: Test): Promise<{ sides: [Side, Side]; pool: pg.Pool; url: string }> {
  const url = await freshDatabase(t);
  const pool = createPool(url);
  t.teardown(() => pool.end());
  const { store } = openSqliteStore(':memory:');
  t.teardown(() => store.close());
  const repos = postgresContent(pool);
  const sqlite: Side = { name: 'sqlite', write: (work) => store.write((tx) => work(tx)), read: store };
  const postgres: Side = { name: 'postgres', write: (work) => work(repos), read: repos };
  return { sides: [sqlite, postgres], pool, url };
}

/** Runs `work` on both sides, one after the other, and asserts the answers are the same; returns PostgreSQL's. */
export async function same<T>(t: Test, sides: [Side, Side], work: (side: Side) => Promise<T>, message: string): Promise<T> {
  const a = await work(sides[0]);
  const b = await work(sides[1]);
  t.strictSame(b, a, message);
  return b;
}
