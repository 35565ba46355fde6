import { toIsoOrNull } from '../common/time.js';
import type { ArticleRow, ArticleScan, Repositories, SectionRow } from '../store/port.js';

/** sectionIds: the section and its subsections, resolved to ids; updatedSince: ms since the epoch (updatedAt >= this). */
export type ExportFilters = ArticleScan;

type LinkRow = { url: string | null; title: string | null; targetExternalId: string | null; targetSlug: string | null };

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
export async function* exportNdjson(repos: Pick<Repositories, 'sections' | 'sources' | 'articles' | 'links'>, filters: ExportFilters = {}): AsyncGenerator<string> {
  const sections = await repos.sections.all();
  const slugOfSection = new Map(sections.map((s) => [s.id, s.slug]));
  yield parentsFirst(sections)
    .map((s) => JSON.stringify({ type: 'section', slug: s.slug, name: s.name, description: s.description, position: s.position, parent: s.parentId === null ? null : slugOfSection.get(s.parentId) }) + '\n')
    .join('');

  const sources = await repos.sources.all();
  const slugOfSource = new Map(sources.map((s) => [s.id, s.slug]));
  yield sources.map((s) => JSON.stringify({ type: 'source', slug: s.slug, name: s.name, url: s.url, kind: s.kind }) + '\n').join('');

  for (let after = 0; ; ) {
    const rows = await repos.articles.scan(after, filters, PAGE);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.id;
    const byArticle = new Map<number, LinkRow[]>();
    for (const { link, target } of await repos.links.forArticles(rows.map((r) => r.id))) {
      const row = { url: link.url, title: link.title, targetExternalId: target?.externalId ?? null, targetSlug: target?.slug ?? null };
      byArticle.set(link.articleId, [...(byArticle.get(link.articleId) ?? []), row]);
    }
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
    tags: a.tags,
    coverImageUrl: a.coverImageUrl,
    status: a.status,
    publishedAt: toIsoOrNull(a.publishedAt),
    deletedAt: toIsoOrNull(a.deletedAt),
    relatedLinks: links.map((l) =>
      l.url !== null ? { url: l.url, title: l.title } : l.targetExternalId !== null ? { externalId: l.targetExternalId } : { slug: l.targetSlug },
    ),
  };
}
