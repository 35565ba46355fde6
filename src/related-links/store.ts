import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { toIso, type Clock } from '../common/time.js';
import type { Db } from '../store/sqlite/connection.js';
import { articles, relatedLinks } from '../store/sqlite/schema.js';
import { AppError, badRequest, notFound } from '../common/errors.js';
import { canSee, type Viewer } from '../articles/visibility.js';
import { MAX_LINKS_PER_ARTICLE, type RelatedLinkCreateInput, type RelatedLinkDto, type RelatedLinkUpdateInput } from './schemas.js';

const target = alias(articles, 'target');

/** Called inside the write's transaction with the owning article's id (bumps its version, change feed …). */
export type LinkListener = (op: 'create' | 'update' | 'delete', linkId: number, articleId: number) => void;

export function createRelatedLinkStore(db: Db, clock: Clock, listeners: LinkListener[] = []) {
  const emit: LinkListener = (op, linkId, articleId) => listeners.forEach((l) => l(op, linkId, articleId));

  /** Links of many articles in one query, in position order; links to articles the viewer may not see are left out. */
  // Prepared once for any number of articles (their ids as a JSON array): every article page embeds links.
  const linksOf = db
    .select({ link: relatedLinks, target: { title: target.title, slug: target.slug, status: target.status, publishedAt: target.publishedAt, deletedAt: target.deletedAt, sectionId: target.sectionId, sourceId: target.sourceId } })
    .from(relatedLinks)
    .leftJoin(target, eq(target.id, relatedLinks.targetArticleId))
    .where(inArray(relatedLinks.articleId, sql`(SELECT value FROM json_each(${sql.placeholder('ids')}))`))
    .orderBy(asc(relatedLinks.articleId), asc(relatedLinks.position), asc(relatedLinks.id))
    .prepare();

  function forArticles(articleIds: number[], viewer: Viewer): Map<number, RelatedLinkDto[]> {
    const out = new Map<number, RelatedLinkDto[]>(articleIds.map((id) => [id, []]));
    if (articleIds.length === 0) return out;
    const rows = linksOf.all({ ids: JSON.stringify(articleIds) });
    for (const { link, target: t } of rows) {
      if (link.targetArticleId !== null && (!t || !canSee(viewer, t))) continue;
      out.get(link.articleId)!.push({
        id: link.id,
        articleId: link.articleId,
        position: link.position,
        targetArticleId: link.targetArticleId,
        url: link.url,
        title: t ? t.title : link.title!,
        targetSlug: t ? t.slug : null,
        createdAt: toIso(link.createdAt),
        updatedAt: toIso(link.updatedAt),
      });
    }
    return out;
  }

  function mustGetLink(articleId: number, linkId: number) {
    const link = db.select().from(relatedLinks).where(and(eq(relatedLinks.id, linkId), eq(relatedLinks.articleId, articleId))).get();
    if (!link) throw notFound(`Related link ${linkId} of article ${articleId}`);
    return link;
  }

  const linkOf = (articleId: number, linkId: number) => forArticles([articleId], { editor: true, now: 0, keyId: null, sectionIds: null, sourceIds: null }).get(articleId)!.find((l) => l.id === linkId)!;

  return {
    forArticles,

    async list(articleId: number, viewer: Viewer): Promise<RelatedLinkDto[]> {
      return forArticles([articleId], viewer).get(articleId)!;
    },

    async create(articleId: number, input: RelatedLinkCreateInput): Promise<RelatedLinkDto> {
      const now = clock();
      return db.transaction(() => {
        const count = db.select({ n: sql<number>`count(*)` }).from(relatedLinks).where(eq(relatedLinks.articleId, articleId)).get()!.n;
        if (count >= MAX_LINKS_PER_ARTICLE) throw new AppError('too-many-links', `An article has at most ${MAX_LINKS_PER_ARTICLE} related links`);
        if ('targetArticleId' in input) {
          if (input.targetArticleId === articleId) throw badRequest('An article cannot link to itself', [{ in: 'body', pointer: '/targetArticleId', message: 'Must be another article' }]);
          if (!db.select({ id: articles.id }).from(articles).where(eq(articles.id, input.targetArticleId)).get()) {
            throw new AppError('unknown-reference', 'The target article does not exist', { errors: [{ in: 'body', pointer: '/targetArticleId', message: 'No article has this id' }] });
          }
        }
        const position =
          input.position ??
          (db.select({ p: sql<number | null>`max(${relatedLinks.position})` }).from(relatedLinks).where(eq(relatedLinks.articleId, articleId)).get()?.p ?? -1) + 1;
        const row = db
          .insert(relatedLinks)
          .values({
            articleId,
            position,
            targetArticleId: 'targetArticleId' in input ? input.targetArticleId : null,
            url: 'url' in input ? input.url : null,
            title: 'title' in input ? input.title : null,
            createdAt: now,
            updatedAt: now,
          })
          .returning()
          .get();
        emit('create', row.id, articleId);
        return linkOf(articleId, row.id);
      });
    },

    async update(articleId: number, linkId: number, input: RelatedLinkUpdateInput): Promise<RelatedLinkDto> {
      return db.transaction(() => {
        const link = mustGetLink(articleId, linkId);
        if (input.title !== undefined && link.targetArticleId !== null) {
          throw badRequest('An internal link shows its target’s title; only external links have their own', [{ in: 'body', pointer: '/title', message: 'External links only' }]);
        }
        db.update(relatedLinks).set({ ...input, updatedAt: clock() }).where(eq(relatedLinks.id, linkId)).run();
        emit('update', linkId, articleId);
        return linkOf(articleId, linkId);
      });
    },

    async remove(articleId: number, linkId: number): Promise<void> {
      db.transaction(() => {
        mustGetLink(articleId, linkId);
        db.delete(relatedLinks).where(eq(relatedLinks.id, linkId)).run();
        emit('delete', linkId, articleId);
      });
    },
  };
}

export type RelatedLinkStore = ReturnType<typeof createRelatedLinkStore>;
