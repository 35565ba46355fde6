import type pg from 'pg';
import { htmlToText } from '../src/articles/html.js';
import { generate } from './generate.js';

/**
 * Fills a fresh, migrated PostgreSQL database with N generated articles (bench/generate.ts)
 * through plain SQL, for the PostgreSQL benches (search-pg.ts, check-pg.ts): sections, sources,
 * articles with their tag rows and one change-feed event each, committed 2,000 articles at a time.
 * The search index is left to the caller (`reindex`, as `masthead reindex` builds it).
 */
export async function fillPostgres(pool: pg.Pool, n: number): Promise<void> {
  const client = await pool.connect();
  try {
    const sections = new Map<string, number>();
    const sources = new Map<string, number>();
    const now = Date.now();
    const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
    await client.query('BEGIN');
    let pending = 0;
    for (const r of generate({ articles: n })) {
      if (r.type === 'section') {
        const { rows } = await client.query<{ id: number }>(
          'INSERT INTO sections (slug, name, description, parent_id, position, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id',
          [r.slug, r.name, r.description, r.parent === null ? null : sections.get(r.parent)!, r.position, now],
        );
        sections.set(r.slug, rows[0]!.id);
      } else if (r.type === 'source') {
        const { rows } = await client.query<{ id: number }>('INSERT INTO sources (slug, name, url, kind, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id', [r.slug, r.name, r.url, r.kind, now]);
        sources.set(r.slug, rows[0]!.id);
      } else {
        await client.query(
          `WITH a AS (INSERT INTO articles (slug, title, subtitle, summary, body, body_text, byline, section_id, source_id, source_url, tags, cover_image_url, status, published_at, external_id, deleted_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id, section_id, source_id),
           t AS (INSERT INTO article_tags (article_id, tag) SELECT DISTINCT a.id, x FROM a, jsonb_array_elements_text($11::jsonb) x)
           INSERT INTO change_events (resource, resource_id, op, at, article_id, section_id, source_id, reader_before, reader_after)
           SELECT 'article', a.id, 'create', $17, a.id, a.section_id, a.source_id, false, $13 = 'published' FROM a`,
          [r.slug, r.title, r.subtitle, r.summary, r.body, htmlToText(r.body), r.byline, sections.get(r.section)!, r.source === null ? null : sources.get(r.source)!,
            r.sourceUrl, JSON.stringify(r.tags), r.coverImageUrl, r.status, ms(r.publishedAt), r.externalId, ms(r.deletedAt), now],
        );
        if (++pending === 2000) {
          await client.query('COMMIT');
          await client.query('BEGIN');
          pending = 0;
        }
      }
    }
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}
