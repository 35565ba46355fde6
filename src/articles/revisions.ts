import { z } from 'zod';
import { id, timestamp } from '../common/schemas.js';
import { toIso, toIsoOrNull } from '../common/time.js';
import type { ArticleRepo, ArticleRow, RevisionRow } from '../store/port.js';
import { notFound } from '../common/errors.js';
import { snapshotOf, SNAPSHOT_FIELDS, type ArticleSnapshot } from './rows.js';
import { Article } from './schemas.js';

const State = Article.pick(Object.fromEntries(SNAPSHOT_FIELDS.map((f) => [f, true])) as { [K in (typeof SNAPSHOT_FIELDS)[number]]: true });

export const ArticleRevision = z
  .object({
    articleId: id,
    revision: z.number().int().describe('The version the article had in this state'),
    current: z.boolean().describe('True for the state the article has now'),
    createdAt: timestamp.describe('When the article reached this state'),
    createdBy: id.nullable().describe('The key that made this state'),
    state: State,
  })
  .meta({ id: 'ArticleRevision' });

export const ArticleRevisionList = z.object({ data: z.array(ArticleRevision) }).meta({ id: 'ArticleRevisionList' });

export const RevisionDiff = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
  })
  .meta({ id: 'RevisionDiff', description: 'The fields that differ between two revisions' });

export type ArticleRevisionDto = z.infer<typeof ArticleRevision>;

const stateOf = (s: ArticleSnapshot) => ({ ...s, publishedAt: toIsoOrNull(s.publishedAt) });

/** Revision N is the state an article had at version N; the article itself is its latest revision. */
export function createRevisionStore(articles: Pick<ArticleRepo, 'byId' | 'revision' | 'revisions'>) {
  const currentOf = (article: ArticleRow): ArticleRevisionDto => ({
    articleId: article.id,
    revision: article.version,
    current: true,
    createdAt: toIso(article.updatedAt),
    createdBy: article.updatedBy,
    state: stateOf(snapshotOf(article)),
  });
  const pastOf = (r: RevisionRow): ArticleRevisionDto => ({
    articleId: r.articleId,
    revision: r.revision,
    current: false,
    createdAt: toIso(r.createdAt),
    createdBy: r.createdBy,
    state: stateOf(r.snapshot as ArticleSnapshot),
  });

  async function articleOf(articleId: number): Promise<ArticleRow> {
    const article = await articles.byId(articleId);
    if (!article) throw notFound(`Article ${articleId}`);
    return article;
  }

  async function all(articleId: number): Promise<ArticleRevisionDto[]> {
    const article = await articleOf(articleId);
    return [currentOf(article), ...(await articles.revisions(articleId)).map(pastOf)];
  }

  async function one(articleId: number, revision: number): Promise<ArticleRevisionDto> {
    const article = await articleOf(articleId);
    if (revision === article.version) return currentOf(article);
    const past = revision < article.version ? await articles.revision(articleId, revision) : undefined;
    if (!past) throw notFound(`Revision ${revision} of article ${articleId}`);
    return pastOf(past);
  }

  return {
    list: all,
    get: one,
    async diff(articleId: number, from: number, to: number) {
      const a = (await one(articleId, from)).state as Record<string, unknown>;
      const b = (await one(articleId, to)).state as Record<string, unknown>;
      const changes = SNAPSHOT_FIELDS.filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f])).map((f) => ({ field: f, from: a[f], to: b[f] }));
      return { from, to, changes };
    },
  };
}

export type RevisionStore = ReturnType<typeof createRevisionStore>;
