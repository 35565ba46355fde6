import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { id, timestamp } from '../common/schemas.js';
import { toIso, toIsoOrNull } from '../common/time.js';
import type { Db } from '../store/sqlite/connection.js';
import { articleRevisions, articles } from '../store/sqlite/schema.js';
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
export function createRevisionStore(db: Db) {
  function all(articleId: number): ArticleRevisionDto[] {
    const article = db.select().from(articles).where(eq(articles.id, articleId)).get();
    if (!article) throw notFound(`Article ${articleId}`);
    const past = db.select().from(articleRevisions).where(eq(articleRevisions.articleId, articleId)).orderBy(desc(articleRevisions.revision)).all();
    const current: ArticleRevisionDto = {
      articleId,
      revision: article.version,
      current: true,
      createdAt: toIso(article.updatedAt),
      createdBy: article.updatedBy,
      state: stateOf(snapshotOf(article)),
    };
    return [
      current,
      ...past.map((r) => ({
        articleId,
        revision: r.revision,
        current: false,
        createdAt: toIso(r.createdAt),
        createdBy: r.createdBy,
        state: stateOf(r.snapshot as ArticleSnapshot),
      })),
    ];
  }

  function one(articleId: number, revision: number): ArticleRevisionDto {
    const found = all(articleId).find((r) => r.revision === revision);
    if (!found) throw notFound(`Revision ${revision} of article ${articleId}`);
    return found;
  }

  return {
    async list(articleId: number) {
      return all(articleId);
    },
    async get(articleId: number, revision: number) {
      return one(articleId, revision);
    },
    async diff(articleId: number, from: number, to: number) {
      const a = one(articleId, from).state as Record<string, unknown>;
      const b = one(articleId, to).state as Record<string, unknown>;
      const changes = SNAPSHOT_FIELDS.filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f])).map((f) => ({ field: f, from: a[f], to: b[f] }));
      return { from, to, changes };
    },
  };
}

export type RevisionStore = ReturnType<typeof createRevisionStore>;
