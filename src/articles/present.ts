import type { Repositories } from '../store/port.js';
import type { RelatedLinkService } from '../related-links/service.js';
import { toSection } from '../sections/service.js';
import { toSource } from '../sources/service.js';
import { toArticle, type ArticleRow } from './rows.js';
import type { ArticleDto, Include } from './schemas.js';
import type { ListRow } from './queries.js';
import type { Viewer } from './visibility.js';

export type Shape = { include?: Include[]; fields?: string[]; withBody?: boolean };

/**
 * Turns rows into the answer: embeds what `include` asks for with one query per relation for
 * the whole page (never one per article), and keeps only the `fields` asked for.
 */
export function createPresenter(repos: Pick<Repositories, 'sections' | 'sources'>, links: Pick<RelatedLinkService, 'forArticles'>) {
  return async function present(rows: ListRow[], shape: Shape, viewer: Viewer): Promise<ArticleDto[]> {
    const out = rows.map((r) => toArticle({ body: '', bodyText: '', ...r } as ArticleRow, viewer.editor) as Record<string, unknown>);
    const include = new Set(shape.include ?? []);
    if (include.has('section') && rows.length > 0) {
      const ids = [...new Set(rows.map((r) => r.sectionId))];
      const byId = new Map((await repos.sections.byIds(ids)).map((s) => [s.id, toSection(s)]));
      out.forEach((a, i) => (a.section = byId.get(rows[i]!.sectionId)));
    }
    if (include.has('source') && rows.length > 0) {
      const ids = [...new Set(rows.map((r) => r.sourceId).filter((id): id is number => id !== null))];
      const byId = new Map((await repos.sources.byIds(ids)).map((s) => [s.id, toSource(s)]));
      out.forEach((a, i) => (a.source = rows[i]!.sourceId === null ? null : (byId.get(rows[i]!.sourceId!) ?? null)));
    }
    if (include.has('relatedLinks')) {
      const byArticle = await links.forArticles(rows.map((r) => r.id), viewer);
      out.forEach((a, i) => (a.relatedLinks = byArticle.get(rows[i]!.id) ?? []));
    }
    const keep = shape.fields ? new Set(['id', ...shape.fields, ...include]) : null;
    return out.map((a) => {
      if (!keep && shape.withBody === false) {
        delete a.body;
        delete a.bodyText;
      }
      if (!keep) return a as ArticleDto;
      return Object.fromEntries(Object.entries(a).filter(([k]) => keep.has(k))) as ArticleDto;
    });
  };
}

export type Presenter = ReturnType<typeof createPresenter>;
