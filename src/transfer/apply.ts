import type { ArticleStore, ArticleUpdateWrite } from '../articles/store.js';
import { AppError } from '../common/errors.js';
import type { SearchIndex } from '../search/index.js';
import type { SectionStore } from '../sections/store.js';
import type { SourceStore } from '../sources/store.js';
import type { ArticleRecordInput, ImportMode, ImportRecordInput, SectionRecordInput, SourceRecordInput } from './schemas.js';
import type { TransferStore } from './store.js';

export type ApplyContext = {
  sections: SectionStore;
  sources: SourceStore;
  articles: ArticleStore;
  search: Pick<SearchIndex, 'hold'>;
  store: TransferStore;
  mode: ImportMode;
  keyId: number | null;
  dryRun: boolean;
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

function applySection(r: SectionRecordInput, ctx: ApplyContext): Applied {
  let parentId = r.parentId;
  if (r.parent !== undefined) {
    parentId = r.parent === null ? null : ctx.store.sectionBySlug(r.parent)?.id;
    if (parentId === undefined) throw lineProblem('/parent', 'No section has this slug (a parent must come before its subsections)');
  }
  const want = { name: r.name, description: r.description, parentId, position: r.position };
  const current = ctx.store.sectionBySlug(r.slug);
  guardMode(ctx.mode, current !== undefined, '/slug');
  if (!current) return { status: 'created', id: ctx.sections.createSync({ ...want, slug: r.slug }).id };
  const changes = changesOf(current, want);
  if (Object.keys(changes).length === 0) return { status: 'unchanged', id: current.id };
  ctx.sections.updateSync(current.id, changes);
  return { status: 'updated', id: current.id };
}

function applySource(r: SourceRecordInput, ctx: ApplyContext): Applied {
  const want = { name: r.name, url: r.url, kind: r.kind };
  const current = ctx.store.sourceBySlug(r.slug);
  guardMode(ctx.mode, current !== undefined, '/slug');
  if (!current) return { status: 'created', id: ctx.sources.createSync({ ...want, slug: r.slug }).id };
  const changes = changesOf(current, want);
  if (Object.keys(changes).length === 0) return { status: 'unchanged', id: current.id };
  ctx.sources.updateSync(current.id, changes);
  return { status: 'updated', id: current.id };
}

function refsOf(r: ArticleRecordInput, ctx: ApplyContext): { sectionId: number; sourceId: number | null | undefined } {
  const sectionId = r.sectionId ?? ctx.store.sectionBySlug(r.section!)?.id;
  if (sectionId === undefined) throw lineProblem('/section', 'No section has this slug');
  if (r.source === undefined || r.source === null) return { sectionId, sourceId: r.source ?? r.sourceId };
  const sourceId = ctx.store.sourceBySlug(r.source)?.id;
  if (sourceId === undefined) throw lineProblem('/source', 'No source has this slug');
  return { sectionId, sourceId };
}

/** Creates or updates the article of a line; its related links are settled by the caller (links.ts). */
export function applyArticleFields(r: ArticleRecordInput, ctx: ApplyContext): Applied {
  const { type: _type, section: _section, source: _source, relatedLinks: _links, ...fields } = r;
  const input = { ...fields, ...refsOf(r, ctx) };
  const current = r.externalId != null ? ctx.store.articleByExternalId(r.externalId) : ctx.store.articleBySlug(r.slug!);
  guardMode(ctx.mode, current !== undefined, r.externalId != null ? '/externalId' : '/slug');
  if (!current) {
    const row = ctx.articles.createSync(input, ctx.keyId);
    return { status: 'created', id: row.id, slug: row.slug };
  }
  const update: ArticleUpdateWrite = input;
  // A published article without a date gets one on its first import; a re-run must not move it.
  if (update.publishedAt === null && (update.status ?? current.status) === 'published') delete update.publishedAt;
  const row = ctx.articles.updateSync(current.id, update, undefined, ctx.keyId);
  return { status: row.version === current.version ? 'unchanged' : 'updated', id: row.id, slug: row.slug };
}

export function applyRecord(record: Exclude<ImportRecordInput, ArticleRecordInput>, ctx: ApplyContext): Applied {
  return record.type === 'section' ? applySection(record, ctx) : applySource(record, ctx);
}
