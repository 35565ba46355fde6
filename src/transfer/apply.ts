import type { ArticleService, ArticleUpdateWrite } from '../articles/service.js';
import { AppError } from '../common/errors.js';
import type { Clock } from '../common/time.js';
import type { RelatedLinkService } from '../related-links/service.js';
import type { KnownSegments } from '../search/index.js';
import type { SectionService } from '../sections/service.js';
import type { SourceService } from '../sources/service.js';
import type { Tx } from '../store/port.js';
import type { ArticleRecordInput, ImportMode, ImportRecordInput, SectionRecordInput, SourceRecordInput } from './schemas.js';

export type ApplyContext = {
  /** The unit of work of the batch, or of the line's savepoint within it. */
  tx: Tx;
  sections: SectionService;
  sources: SourceService;
  articles: ArticleService;
  links: Pick<RelatedLinkService, 'replaceAll'>;
  clock: Clock;
  mode: ImportMode;
  keyId: number | null;
  dryRun: boolean;
  /** The batch's text segmented ahead by worker threads (prepare.ts), for the search index. */
  segments?: KnownSegments;
  /**
   * Dry runs only: the articles that earlier (rolled back) batches would have written, as
   * `x:<externalId>` and `s:<slug>`, so that later lines may still link to them.
   */
  virtual: Set<string>;
  /** Set when a shutdown stopped the import: links to articles further on could not be settled. */
  interrupted?: boolean;
};

export type Settled = 'created' | 'updated' | 'unchanged';
/** A written record; `pendingLinks` (JSON) when its related links name articles not there yet. */
export type Applied = { status: Settled; id: number; slug?: string; pendingLinks?: string };

/** A problem with one line: rolled back to its savepoint and reported, never a reason to stop. */
export const lineProblem = (pointer: string, message: string) => new AppError('invalid-line', message, { errors: [{ in: 'body', pointer, message }] });

function guardMode(mode: ImportMode, exists: boolean, key: string) {
  if (exists && mode === 'create-only') throw lineProblem(key, 'A record with this key exists already (mode=create-only)');
  if (!exists && mode === 'update-only') throw lineProblem(key, 'No record has this key (mode=update-only)');
}

/** The fields of `want` (undefined ones left out: a field a line does not give is left as it is) that differ from `current`. */
function changesOf<T extends object>(current: Record<string, unknown>, want: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(want)) if (v !== undefined && JSON.stringify(current[k]) !== JSON.stringify(v)) (out as Record<string, unknown>)[k] = v;
  return out;
}

async function applySection(r: SectionRecordInput, ctx: ApplyContext): Promise<Applied> {
  let parentId = r.parentId;
  if (r.parent !== undefined) {
    parentId = r.parent === null ? null : (await ctx.tx.sections.bySlug(r.parent))?.id;
    if (parentId === undefined) throw lineProblem('/parent', 'No section has this slug (a parent must come before its subsections)');
  }
  const want = { name: r.name, description: r.description, parentId, position: r.position };
  const current = await ctx.tx.sections.bySlug(r.slug);
  guardMode(ctx.mode, current !== undefined, '/slug');
  if (!current) return { status: 'created', id: (await ctx.sections.create({ ...want, slug: r.slug }, ctx.tx)).id };
  const changes = changesOf(current, want);
  if (Object.keys(changes).length === 0) return { status: 'unchanged', id: current.id };
  await ctx.sections.update(current.id, changes, undefined, ctx.tx);
  return { status: 'updated', id: current.id };
}

async function applySource(r: SourceRecordInput, ctx: ApplyContext): Promise<Applied> {
  const want = { name: r.name, url: r.url, kind: r.kind };
  const current = await ctx.tx.sources.bySlug(r.slug);
  guardMode(ctx.mode, current !== undefined, '/slug');
  if (!current) return { status: 'created', id: (await ctx.sources.create({ ...want, slug: r.slug }, ctx.tx)).id };
  const changes = changesOf(current, want);
  if (Object.keys(changes).length === 0) return { status: 'unchanged', id: current.id };
  await ctx.sources.update(current.id, changes, undefined, ctx.tx);
  return { status: 'updated', id: current.id };
}

async function refsOf(r: ArticleRecordInput, ctx: ApplyContext): Promise<{ sectionId: number; sourceId: number | null | undefined }> {
  const sectionId = r.sectionId ?? (await ctx.tx.sections.bySlug(r.section!))?.id;
  if (sectionId === undefined) throw lineProblem('/section', 'No section has this slug');
  if (r.source === undefined || r.source === null) return { sectionId, sourceId: r.source ?? r.sourceId };
  const sourceId = (await ctx.tx.sources.bySlug(r.source))?.id;
  if (sourceId === undefined) throw lineProblem('/source', 'No source has this slug');
  return { sectionId, sourceId };
}

/** The article a line is about: by externalId when it has one, else by slug. */
export const articleByKey = (ctx: ApplyContext, key: { externalId?: string | null; slug?: string }) =>
  key.externalId != null ? ctx.tx.articles.byExternalId(key.externalId) : ctx.tx.articles.bySlug(key.slug!);

/** Creates or updates the article of a line; its related links are settled by the caller (links.ts). */
export async function applyArticleFields(r: ArticleRecordInput, ctx: ApplyContext): Promise<Applied> {
  const { type: _type, section: _section, source: _source, relatedLinks: _links, ...fields } = r;
  const input = { ...fields, ...(await refsOf(r, ctx)) };
  const current = await articleByKey(ctx, r);
  guardMode(ctx.mode, current !== undefined, r.externalId != null ? '/externalId' : '/slug');
  const unit = { tx: ctx.tx, segments: ctx.segments };
  if (!current) {
    const row = await ctx.articles.create(input, ctx.keyId, unit);
    return { status: 'created', id: row.id, slug: row.slug };
  }
  const update: ArticleUpdateWrite = input;
  // A published article without a date gets one on its first import; a re-run must not move it.
  if (update.publishedAt === null && (update.status ?? current.status) === 'published') delete update.publishedAt;
  const row = await ctx.articles.update(current.id, update, undefined, ctx.keyId, unit);
  return { status: row.version === current.version ? 'unchanged' : 'updated', id: row.id, slug: row.slug };
}

export function applyRecord(record: Exclude<ImportRecordInput, ArticleRecordInput>, ctx: ApplyContext): Promise<Applied> {
  return record.type === 'section' ? applySection(record, ctx) : applySource(record, ctx);
}
