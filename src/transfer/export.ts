import { toIsoOrNull } from '../common/time.js';
import type { Db } from '../store/sqlite/connection.js';

export type ExportFilters = {
  /** The section and its subsections, resolved to ids. */
  sectionIds?: number[];
  sourceId?: number;
  /** ms since the epoch: updatedAt >= this. */
  updatedSince?: number;
};

type SectionRow = { id: number; slug: string; name: string; description: string | null; position: number; parentId: number | null };
type SourceRow = { slug: string; name: string; url: string | null; kind: string };
type ArticleRow = {
  id: number;
  externalId: string | null;
  slug: string;
  title: string;
  subtitle: string | null;
  summary: string | null;
  body: string;
  byline: string | null;
  sectionId: number;
  sourceId: number | null;
  sourceUrl: string | null;
  tags: string;
  coverImageUrl: string | null;
  status: string;
  publishedAt: number | null;
  deletedAt: number | null;
};
type LinkRow = { articleId: number; url: string | null; title: string | null; targetExternalId: string | null; targetSlug: string | null };

const PAGE = 500;

/** Sections in an order an import can follow: every parent before its subsections, siblings by position. */
function parentsFirst(rows: SectionRow[]): SectionRow[] {
  const children = new Map<number | null, SectionRow[]>();
  for (const r of rows) children.set(r.parentId, [...(children.get(r.parentId) ?? []), r]);
  const out: SectionRow[] = [];
  const visit = (parent: number | null) => {
    for (const r of children.get(parent) ?? []) {
      out.push(r);
      visit(r.id);
    }
  };
  visit(null);
  return out;
}

/**
 * Everything (or the filtered articles), as NDJSON text in the import format: all sections
 * (parents first) and all sources, so that the file imports into an empty database, then the
 * articles by id, a page at a time, each with its section, source and related links named by slug
 * or externalId. Yields one string per page; memory stays at one page, whatever the size.
 * Not a snapshot: the pages are read one after the other, and writes may land in between.
 */
export function* exportNdjson(db: Db, filters: ExportFilters = {}): Generator<string> {
  const sqlite = db.$client;
  const sections = sqlite.prepare('SELECT id, slug, name, description, position, parent_id AS parentId FROM sections ORDER BY position, id').all() as SectionRow[];
  const slugOfSection = new Map(sections.map((s) => [s.id, s.slug]));
  yield parentsFirst(sections)
    .map((s) => JSON.stringify({ type: 'section', slug: s.slug, name: s.name, description: s.description, position: s.position, parent: s.parentId === null ? null : slugOfSection.get(s.parentId) }) + '\n')
    .join('');

  const sources = sqlite.prepare('SELECT id, slug, name, url, kind FROM sources ORDER BY id').all() as (SourceRow & { id: number })[];
  const slugOfSource = new Map(sources.map((s) => [s.id, s.slug]));
  yield sources.map((s) => JSON.stringify({ type: 'source', slug: s.slug, name: s.name, url: s.url, kind: s.kind }) + '\n').join('');

  const where = ['id > ?'];
  const params: (number | string)[] = [];
  if (filters.sectionIds) {
    where.push(`section_id IN (${filters.sectionIds.map(() => '?').join(',')})`);
    params.push(...filters.sectionIds);
  }
  if (filters.sourceId !== undefined) {
    where.push('source_id = ?');
    params.push(filters.sourceId);
  }
  if (filters.updatedSince !== undefined) {
    where.push('updated_at >= ?');
    params.push(filters.updatedSince);
  }
  const page = sqlite.prepare(
    `SELECT id, external_id AS externalId, slug, title, subtitle, summary, body, byline, section_id AS sectionId, source_id AS sourceId,
       source_url AS sourceUrl, tags, cover_image_url AS coverImageUrl, status, published_at AS publishedAt, deleted_at AS deletedAt
     FROM articles WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${PAGE}`,
  );
  const links = sqlite.prepare(
    `SELECT l.article_id AS articleId, l.url, l.title, t.external_id AS targetExternalId, t.slug AS targetSlug
     FROM related_links l LEFT JOIN articles t ON t.id = l.target_article_id
     WHERE l.article_id IN (SELECT value FROM json_each(?)) ORDER BY l.article_id, l.position, l.id`,
  );
  for (let after = 0; ; ) {
    const rows = page.all(after, ...params) as ArticleRow[];
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.id;
    const byArticle = new Map<number, LinkRow[]>();
    for (const l of links.all(JSON.stringify(rows.map((r) => r.id))) as LinkRow[]) byArticle.set(l.articleId, [...(byArticle.get(l.articleId) ?? []), l]);
    yield rows.map((a) => JSON.stringify(articleRecord(a, slugOfSection, slugOfSource, byArticle.get(a.id) ?? [])) + '\n').join('');
  }
}

function articleRecord(a: ArticleRow, sections: Map<number, string>, sources: Map<number, string>, links: LinkRow[]) {
  return {
    type: 'article',
    externalId: a.externalId,
    slug: a.slug,
    title: a.title,
    subtitle: a.subtitle,
    summary: a.summary,
    body: a.body,
    byline: a.byline,
    section: sections.get(a.sectionId),
    source: a.sourceId === null ? null : sources.get(a.sourceId),
    sourceUrl: a.sourceUrl,
    tags: JSON.parse(a.tags) as string[],
    coverImageUrl: a.coverImageUrl,
    status: a.status,
    publishedAt: toIsoOrNull(a.publishedAt),
    deletedAt: toIsoOrNull(a.deletedAt),
    relatedLinks: links.map((l) =>
      l.url !== null ? { url: l.url, title: l.title } : l.targetExternalId !== null ? { externalId: l.targetExternalId } : { slug: l.targetSlug },
    ),
  };
}
