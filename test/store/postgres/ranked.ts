// PostgreSQL-specific: N articles with search entries written straight into the tables, and the reads of every page of a search, for the RUM tests (rum.test.ts, fold.test.ts).
import type pg from 'pg';
import { searchQueryOf } from '../../../src/search/query.js';
import type { SearchRank, SearchRepo, Visibility } from '../../../src/store/port.js';
import type { Queryable } from '../../../src/store/postgres/query.js';

export const NOW = Date.UTC(2026, 11, 1);
export const READER: Visibility = { editor: false, now: NOW, sectionIds: null, sourceIds: null };
export const N = 3000;

/**
 * N articles straight into the tables: every one has `common` in its body (1 to 4 times: long
 * runs of equal rank, which the RUM reads must page through exactly), one in a hundred also in
 * its title, one in three hundred has `rare` in its summary; dates repeat (ties on publishedAt),
 * one in eleven is undated, one in thirteen is a draft (hidden from readers).
 */
export async function fill(pool: pg.Pool): Promise<void> {
  await pool.query(`INSERT INTO sections (slug, name, created_at, updated_at) VALUES ('s', 'S', 0, 0)`);
  await pool.query(
    `INSERT INTO articles (slug, title, section_id, status, published_at, created_at, updated_at)
     SELECT 'a' || g, 'A' || g, 1, CASE WHEN g % 13 = 0 THEN 'draft' ELSE 'published' END,
            CASE WHEN g % 11 = 0 THEN NULL ELSE ${NOW} - (g % 7) * 86400000 END, 0, 0
     FROM generate_series(1, ${N}) g`,
  );
  await pool.query(
    `INSERT INTO article_search (article_id, title, subtitle, summary, body, tags, tsv)
     SELECT g, '', '', '', '', '', (
       CASE WHEN g % 100 = 0 THEN 'common:1A ' ELSE '' END || 't' || g || ':2A ' ||
       CASE WHEN g % 300 = 0 THEN 'rare:4B ' ELSE '' END ||
       'common:' || (SELECT string_agg((10 + 3 * k)::text || 'D', ',') FROM generate_series(0, g % 4) k) || ' body:9D')::tsvector
     FROM generate_series(1, ${N}) g`,
  );
  await pool.query('ANALYZE');
}

/** A Queryable that keeps every statement it runs, to EXPLAIN them and count the reads. */
export function recording(pool: pg.Pool): { q: Queryable; statements: { text: string; values: unknown[] }[] } {
  const statements: { text: string; values: unknown[] }[] = [];
  const q = { query: (text: string, values: unknown[]) => (statements.push({ text, values }), pool.query(text, values)) } as unknown as Queryable;
  return { q, statements };
}

/** Every page of `want`, the cursor going through JSON as the API's does; and how many statements each page took. */
export async function allPages(repo: SearchRepo, q: string, want: number, statements?: unknown[]): Promise<{ ranks: SearchRank[]; reads: number[] }> {
  const ranks: SearchRank[] = [];
  const reads: number[] = [];
  let after: SearchRank | undefined;
  for (;;) {
    const before = statements?.length ?? 0;
    const page = await repo.rank(searchQueryOf(q), {}, READER, after, want);
    reads.push((statements?.length ?? 0) - before);
    ranks.push(...page);
    if (page.length < want) return { ranks, reads };
    after = JSON.parse(JSON.stringify(page[page.length - 1]!)) as SearchRank;
  }
}

export const byOrder = (a: SearchRank, b: SearchRank) => a.rank - b.rank || (a.pub === b.pub ? b.id - a.id : a.pub === null ? 1 : b.pub === null ? -1 : b.pub - a.pub);

