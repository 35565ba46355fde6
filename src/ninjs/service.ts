import type { Presenter } from '../articles/present.js';
import type { ArticleRow } from '../articles/rows.js';
import type { ArticleService } from '../articles/service.js';
import type { Viewer } from '../articles/visibility.js';
import type { PublicUrls } from '../feeds/urls.js';
import type { SectionDto } from '../sections/schemas.js';
import type { SectionService } from '../sections/service.js';
import { toNinjs } from './map.js';
import type { NinjsDto } from './schemas.js';

export type NinjsServiceDeps = { articles: ArticleService; present: Presenter; sections: SectionService; urls: PublicUrls };

/** Builds the ninjs of an article the viewer may see: its section path, source and visible related links. */
export function createNinjsService(deps: NinjsServiceDeps) {
  const { sections, urls } = deps;

  async function sectionPath(id: number): Promise<SectionDto[]> {
    const path = [await sections.get(id)];
    // Sections cannot form cycles (the store refuses them); the bound is a guard all the same.
    for (let parent = path[0]!.parentId; parent !== null && path.length < 50; parent = path[path.length - 1]!.parentId) {
      path.push(await sections.get(parent));
    }
    return path;
  }

  /** The public URL of a link: the target article's page for internal links, the link itself otherwise. */
  async function hrefOf(link: { targetArticleId: number | null; targetSlug: string | null; url: string | null }, viewer: Viewer): Promise<string> {
    if (link.targetArticleId === null) return link.url!;
    const target = await deps.articles.get(link.targetArticleId, viewer);
    const section = await sections.get(target.sectionId);
    return urls.article({ id: target.id, slug: target.slug, sectionSlug: section.slug });
  }

  return async function ninjsOf(row: ArticleRow, viewer: Viewer): Promise<NinjsDto> {
    const article = (await deps.present([row], { include: ['source', 'relatedLinks'], withBody: true }, viewer))[0]!;
    const links = await Promise.all((article.relatedLinks ?? []).map(async (l) => ({ ...l, href: await hrefOf(l, viewer) })));
    return toNinjs({ article, sections: await sectionPath(row.sectionId), source: article.source ?? null, links, now: viewer.now }, urls);
  };
}

export type NinjsService = ReturnType<typeof createNinjsService>;
