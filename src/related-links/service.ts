import type { ArticleService } from '../articles/service.js';
import { canSee, type Viewer } from '../articles/visibility.js';
import { AppError, badRequest, notFound, unknownReference } from '../common/errors.js';
import { toIso, type Clock } from '../common/time.js';
import type { LinkTarget, RelatedLinkRow, Repositories, Store, Tx } from '../store/port.js';
import type { WriteEffects } from '../write-effects.js';
import { MAX_LINKS_PER_ARTICLE, type RelatedLinkCreateInput, type RelatedLinkDto, type RelatedLinkUpdateInput } from './schemas.js';

const EDITOR: Viewer = { editor: true, now: 0, keyId: null, sectionIds: null, sourceIds: null };

/**
 * Links of many articles in one query, in position order; links to articles the viewer may not
 * see are left out. Exported for the read side of a replica (src/reads.ts), which reads them there.
 */
export async function linksOf(repos: Pick<Repositories, 'links'>, articleIds: number[], viewer: Viewer): Promise<Map<number, RelatedLinkDto[]>> {
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

/** What makes two links the same link: the article they point to, or the address. */
const identity = (l: LinkTarget | RelatedLinkRow) => (l.targetArticleId !== null ? `a:${l.targetArticleId}` : `u:${l.url}`);

/**
 * The writes that turn an article's stored links into `targets` (in this order): a link kept
 * (same target) is updated when its place or title moved, the others are removed or added.
 * Nothing when the list, in order, is already the same (so re-importing a file changes nothing).
 */
export function linkChanges(stored: RelatedLinkRow[], targets: LinkTarget[]) {
  const same = stored.length === targets.length && stored.every((s, i) => identity(s) === identity(targets[i]!) && s.title === targets[i]!.title);
  if (same) return null;
  const unmatched = new Map<string, RelatedLinkRow[]>();
  for (const s of stored) unmatched.set(identity(s), [...(unmatched.get(identity(s)) ?? []), s]);
  const updates: { id: number; position: number; title: string | null }[] = [];
  const adds: { position: number; target: LinkTarget }[] = [];
  targets.forEach((target, position) => {
    const kept = unmatched.get(identity(target))?.shift();
    if (!kept) adds.push({ position, target });
    else if (kept.position !== position || kept.title !== target.title) updates.push({ id: kept.id, position, title: target.title });
  });
  const removes = [...unmatched.values()].flat().map((s) => s.id);
  return { removes, updates, adds };
}

/** A link write's answer: the link, and the version its article has now (every link write changes the article). */
export type LinkWritten = RelatedLinkDto & { articleVersion: number };

/**
 * Related links: the rules, written against the storage port. A change to an article's links is
 * a change to the article, in the same unit of work: new version (ETag), feed event.
 */
export function createRelatedLinkService(store: Store, clock: Clock, articles: Pick<ArticleService, 'touch'>, effects: Pick<WriteEffects, 'link' | 'links'>) {
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
        await tx.links.hold(articleId);
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
        await tx.links.hold(articleId);
        const link = await mustGetLink(tx, articleId, linkId);
        if (input.title !== undefined && link.targetArticleId !== null) {
          throw badRequest('An internal link shows its target’s title; only external links have their own', [{ in: 'body', pointer: '/title', message: 'External links only' }]);
        }
        await tx.links.update(linkId, { ...input, updatedAt: clock() });
        const articleVersion = await written(tx, 'update', articleId, linkId);
        return { ...(await linkOf(tx, articleId, linkId)), articleVersion };
      }),

    /**
     * Makes the article's links these, in this order, inside the caller's unit (an import line):
     * each link removed, moved or added is its own feed event, as through the links API. Whether
     * anything changed (on a dry run: would); the article's version is the caller's to move.
     * `justCreated`: the article was made a moment ago in this unit, so it has no links to read
     * (ids are never reused).
     */
    async replaceAll(tx: Tx, articleId: number, targets: LinkTarget[], opts: { dryRun: boolean; justCreated?: boolean }): Promise<boolean> {
      const changes = linkChanges(opts.justCreated ? [] : await tx.links.ofArticle(articleId), targets);
      if (!changes) return false;
      if (opts.dryRun) return true;
      const now = clock();
      // Each link removed, moved or added is its own event, in this order, as before; written together.
      const events: { op: 'create' | 'update' | 'delete'; linkId: number }[] = [];
      for (const id of changes.removes) {
        await tx.links.delete(id);
        events.push({ op: 'delete', linkId: id });
      }
      for (const { id, position, title } of changes.updates) {
        await tx.links.update(id, { position, ...(title !== null && { title }), updatedAt: now });
        events.push({ op: 'update', linkId: id });
      }
      const added = await tx.links.insertMany(changes.adds.map(({ position, target }) => ({ articleId, position, ...target, createdAt: now, updatedAt: now })));
      for (const row of added) events.push({ op: 'create', linkId: row.id });
      await effects.links(tx, events, articleId);
      return true;
    },

    /** Returns the article's new version. */
    remove: (articleId: number, linkId: number): Promise<number> =>
      store.write(async (tx) => {
        await tx.links.hold(articleId);
        await mustGetLink(tx, articleId, linkId);
        await tx.links.delete(linkId);
        return written(tx, 'delete', articleId, linkId);
      }),
  };
}

export type RelatedLinkService = ReturnType<typeof createRelatedLinkService>;
