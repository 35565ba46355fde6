import type { ArticleService } from '../articles/service.js';
import { canSee, type Viewer } from '../articles/visibility.js';
import { AppError, badRequest, notFound, unknownReference } from '../common/errors.js';
import { toIso, type Clock } from '../common/time.js';
import type { RelatedLinkRow, Repositories, Store, Tx } from '../store/port.js';
import type { WriteEffects } from '../write-effects.js';
import { MAX_LINKS_PER_ARTICLE, type RelatedLinkCreateInput, type RelatedLinkDto, type RelatedLinkUpdateInput } from './schemas.js';

const EDITOR: Viewer = { editor: true, now: 0, keyId: null, sectionIds: null, sourceIds: null };

/** Links of many articles in one query, in position order; links to articles the viewer may not see are left out. */
async function linksOf(repos: Repositories, articleIds: number[], viewer: Viewer): Promise<Map<number, RelatedLinkDto[]>> {
  const out = new Map<number, RelatedLinkDto[]>(articleIds.map((id) => [id, []]));
  for (const { link, target } of await repos.links.forArticles(articleIds)) {
    if (link.targetArticleId !== null && (!target || !canSee(viewer, target))) continue;
    out.get(link.articleId)!.push({
      id: link.id,
      articleId: link.articleId,
      position: link.position,
      targetArticleId: link.targetArticleId,
      url: link.url,
      title: target ? target.title : link.title!,
      targetSlug: target ? target.slug : null,
      createdAt: toIso(link.createdAt),
      updatedAt: toIso(link.updatedAt),
    });
  }
  return out;
}

/** A link write's answer: the link, and the version its article has now (every link write changes the article). */
export type LinkWritten = RelatedLinkDto & { articleVersion: number };

/**
 * Related links: the rules, written against the storage port. A change to an article's links is
 * a change to the article, in the same unit of work: new version (ETag), feed event.
 */
export function createRelatedLinkService(store: Store, clock: Clock, articles: Pick<ArticleService, 'touch'>, effects: Pick<WriteEffects, 'link'>) {
  async function mustGetLink(tx: Tx, articleId: number, linkId: number): Promise<RelatedLinkRow> {
    const link = await tx.links.byId(articleId, linkId);
    if (!link) throw notFound(`Related link ${linkId} of article ${articleId}`);
    return link;
  }

  /** The article's version after the change; the link as its editors see it. */
  async function written(tx: Tx, op: 'create' | 'update' | 'delete', articleId: number, linkId: number): Promise<number> {
    const version = await articles.touch(tx, articleId);
    if (version === undefined) throw notFound(`Article ${articleId}`);
    await effects.link(tx, op, linkId, articleId);
    return version;
  }
  const linkOf = async (tx: Tx, articleId: number, linkId: number) => (await linksOf(tx, [articleId], EDITOR)).get(articleId)!.find((l) => l.id === linkId)!;

  return {
    forArticles: (articleIds: number[], viewer: Viewer) => linksOf(store, articleIds, viewer),

    list: async (articleId: number, viewer: Viewer): Promise<RelatedLinkDto[]> => (await linksOf(store, [articleId], viewer)).get(articleId)!,

    create: (articleId: number, input: RelatedLinkCreateInput): Promise<LinkWritten> =>
      store.write(async (tx) => {
        if (!(await tx.articles.head(articleId))) throw notFound(`Article ${articleId}`);
        if ((await tx.links.count(articleId)) >= MAX_LINKS_PER_ARTICLE) throw new AppError('too-many-links', `An article has at most ${MAX_LINKS_PER_ARTICLE} related links`);
        if ('targetArticleId' in input) {
          if (input.targetArticleId === articleId) throw badRequest('An article cannot link to itself', [{ in: 'body', pointer: '/targetArticleId', message: 'Must be another article' }]);
          if (!(await tx.articles.head(input.targetArticleId))) throw unknownReference('The target article does not exist', '/targetArticleId', 'No article has this id');
        }
        const now = clock();
        const row = await tx.links.insert({
          articleId,
          position: input.position ?? (await tx.links.lastPosition(articleId)) + 1,
          targetArticleId: 'targetArticleId' in input ? input.targetArticleId : null,
          url: 'url' in input ? input.url : null,
          title: 'title' in input ? input.title : null,
          createdAt: now,
          updatedAt: now,
        });
        const articleVersion = await written(tx, 'create', articleId, row.id);
        return { ...(await linkOf(tx, articleId, row.id)), articleVersion };
      }),

    update: (articleId: number, linkId: number, input: RelatedLinkUpdateInput): Promise<LinkWritten> =>
      store.write(async (tx) => {
        const link = await mustGetLink(tx, articleId, linkId);
        if (input.title !== undefined && link.targetArticleId !== null) {
          throw badRequest('An internal link shows its target’s title; only external links have their own', [{ in: 'body', pointer: '/title', message: 'External links only' }]);
        }
        await tx.links.update(linkId, { ...input, updatedAt: clock() });
        const articleVersion = await written(tx, 'update', articleId, linkId);
        return { ...(await linkOf(tx, articleId, linkId)), articleVersion };
      }),

    /** Returns the article's new version. */
    remove: (articleId: number, linkId: number): Promise<number> =>
      store.write(async (tx) => {
        await mustGetLink(tx, articleId, linkId);
        await tx.links.delete(linkId);
        return written(tx, 'delete', articleId, linkId);
      }),
  };
}

export type RelatedLinkService = ReturnType<typeof createRelatedLinkService>;
