import { toIso, toIsoOrNull } from '../common/time.js';
import type { ArticleRow } from '../store/port.js';
import type { ArticleDto } from './schemas.js';

export type { ArticleRow };

export function toArticle(r: ArticleRow, editor: boolean): ArticleDto {
  return {
    id: r.id,
    slug: r.slug,
    title: r.title,
    subtitle: r.subtitle,
    summary: r.summary,
    body: r.body,
    bodyText: r.bodyText,
    byline: r.byline,
    sectionId: r.sectionId,
    sourceId: r.sourceId,
    sourceUrl: r.sourceUrl,
    tags: r.tags,
    coverImageUrl: r.coverImageUrl,
    status: r.status,
    publishedAt: toIsoOrNull(r.publishedAt),
    externalId: r.externalId,
    version: r.version,
    deletedAt: toIsoOrNull(r.deletedAt),
    createdAt: toIso(r.createdAt),
    updatedAt: toIso(r.updatedAt),
    // Which key wrote what is newsroom-internal.
    createdBy: editor ? r.createdBy : null,
    updatedBy: editor ? r.updatedBy : null,
  };
}

/** The editable state of an article, as kept in a revision. */
export type ArticleSnapshot = Pick<
  ArticleRow,
  | 'slug'
  | 'title'
  | 'subtitle'
  | 'summary'
  | 'body'
  | 'byline'
  | 'sectionId'
  | 'sourceId'
  | 'sourceUrl'
  | 'tags'
  | 'coverImageUrl'
  | 'status'
  | 'publishedAt'
  | 'externalId'
>;

export const SNAPSHOT_FIELDS = [
  'slug',
  'title',
  'subtitle',
  'summary',
  'body',
  'byline',
  'sectionId',
  'sourceId',
  'sourceUrl',
  'tags',
  'coverImageUrl',
  'status',
  'publishedAt',
  'externalId',
] as const satisfies readonly (keyof ArticleSnapshot)[];

export function snapshotOf(r: ArticleRow): ArticleSnapshot {
  return Object.fromEntries(SNAPSHOT_FIELDS.map((f) => [f, r[f]])) as ArticleSnapshot;
}
