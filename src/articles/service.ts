import { notFound, unknownReference } from '../common/errors.js';
import { slugify, withFreshSlug } from '../common/slug.js';
import type { Clock } from '../common/time.js';
import { writeAtVersion, type ExpectedVersion } from '../common/versioned.js';
import { inUnit, type ArticleHead, type ArticleInsert, type ArticleRow, type Store, type Tx } from '../store/port.js';
import type { EffectOptions, WriteEffects } from '../write-effects.js';
import { htmlToText, prepareBody, type PreparedBody } from './html.js';
import { snapshotOf, SNAPSHOT_FIELDS, type ArticleSnapshot } from './rows.js';
import type { ArticleCreateInput, ArticleUpdateInput } from './schemas.js';
import { canSee, type Viewer } from './visibility.js';

export type { ArticleHead };

const cleanTags = (tags: string[]) => [...new Set(tags.map((t) => t.trim().normalize('NFC')))];

/**
 * Imports also carry the trash state (deletedAt); the API's create and update bodies never do.
 * An import may also hand over its body already prepared (see toColumns).
 */
export type ArticleCreateWrite = ArticleCreateInput & { deletedAt?: string | null; prepared?: PreparedBody };
export type ArticleUpdateWrite = ArticleUpdateInput & { deletedAt?: string | null; prepared?: PreparedBody };

/** Where a write runs: in a unit of work of the caller's (an import's batch), with what it prepared ahead. */
export type InUnit = { tx?: Tx } & EffectOptions;
type WriteContext = InUnit & { keyId: number | null };

/** What a create leaves out is stored as the table's defaults would have it. */
const DEFAULTS: Omit<ArticleInsert, 'title' | 'slug' | 'sectionId' | 'createdAt' | 'updatedAt'> = {
  status: 'draft', publishedAt: null, deletedAt: null, sourceId: null, createdBy: null, updatedBy: null, externalId: null, subtitle: null,
  summary: null, byline: null, tags: [], sourceUrl: null, coverImageUrl: null, bodyText: '', body: '',
};

/** Input fields as columns: body sanitised, bodyText derived, times parsed. */
function toColumns(input: ArticleUpdateWrite): Partial<ArticleRow> {
  const out: Partial<ArticleRow> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined && k !== 'prepared') (out as Record<string, unknown>)[k] = v;
  if (input.body !== undefined) {
    // A preparation made elsewhere (an import's worker thread) counts only for this very body.
    const prepared = input.prepared?.input === input.body ? input.prepared : prepareBody(input.body);
    out.body = prepared.body;
    out.bodyText = prepared.bodyText;
  }
  if (input.tags !== undefined) out.tags = cleanTags(input.tags);
  if (input.publishedAt !== undefined) out.publishedAt = input.publishedAt === null ? null : Date.parse(input.publishedAt);
  if (input.deletedAt !== undefined) out.deletedAt = input.deletedAt === null ? null : Date.parse(input.deletedAt);
  return out;
}

function changedFields(current: ArticleRow, next: Partial<ArticleRow>): Partial<ArticleRow> {
  const changed: Partial<ArticleRow> = {};
  for (const [k, v] of Object.entries(next) as [keyof ArticleRow, unknown][]) {
    if (JSON.stringify(current[k]) !== JSON.stringify(v)) (changed as Record<string, unknown>)[k] = v;
  }
  return changed;
}

/**
 * Articles: their rules, written against the storage port. Every change keeps the previous state
 * as a revision and moves the version, and is written at the version it read (`writeAtVersion`):
 * two writers with the same If-Match get one 200 and one 412, and a writer without one is
 * retried on the fresh state rather than overwriting it.
 */
export function createArticleService(store: Store, clock: Clock, effects: Pick<WriteEffects, 'article'>) {
  async function mustGet(tx: Tx, id: number): Promise<ArticleRow> {
    const row = await tx.articles.byId(id);
    if (!row) throw notFound(`Article ${id}`);
    return row;
  }

  async function checkRefs(tx: Tx, sectionId: number | undefined, sourceId: number | null | undefined): Promise<void> {
    if (sectionId !== undefined && !(await tx.sections.byId(sectionId))) throw unknownReference('Section does not exist', '/sectionId', 'No section has this id');
    if (sourceId !== undefined && sourceId !== null && !(await tx.sources.byId(sourceId))) throw unknownReference('Source does not exist', '/sourceId', 'No source has this id');
  }

  /**
   * Writes a change at the version `current` has: keeps `current` as a revision and its slug as a
   * redirect when the slug changes. Returns `current` itself when nothing changes, undefined when
   * another writer moved the article on first.
   */
  async function applyUpdate(tx: Tx, current: ArticleRow, next: Partial<ArticleRow>, ctx: WriteContext): Promise<ArticleRow | undefined> {
    const changes = changedFields(current, next);
    // A published article always has a date: publishing without one, or clearing it, means now.
    const publishedAt = changes.publishedAt !== undefined ? changes.publishedAt : current.publishedAt;
    if ((changes.status ?? current.status) === 'published' && publishedAt === null) changes.publishedAt = clock();
    if (Object.keys(changes).length === 0) return current;
    await checkRefs(tx, changes.sectionId, changes.sourceId);
    // An old slug taken as the new one stops redirecting.
    if (changes.slug !== undefined) await tx.articles.releaseSlug(changes.slug);
    const row = await tx.articles.update(current.id, current.version, { ...changes, updatedAt: clock(), updatedBy: ctx.keyId });
    if (!row) return undefined;
    await tx.articles.addRevision({ articleId: current.id, revision: current.version, snapshot: snapshotOf(current), createdAt: current.updatedAt, createdBy: current.updatedBy });
    if (changes.slug !== undefined) await tx.articles.retireSlug(current.slug, current.id, clock());
    await effects.article(tx, 'update', row, current, ctx);
    return row;
  }

  /** Sets fields that are no edit of the content (trash state), at the version read: new version, no revision. */
  async function setState(tx: Tx, current: ArticleRow, patch: Pick<ArticleRow, 'deletedAt'>, keyId: number | null): Promise<ArticleRow | undefined> {
    return tx.articles.update(current.id, current.version, { ...patch, updatedAt: clock(), updatedBy: keyId });
  }

  const slugTaken = async (tx: Tx, slug: string) => (await tx.articles.bySlug(slug)) !== undefined || (await tx.articles.formerOwner(slug)) !== undefined;

  return {
    /** The article if this viewer may see it; a 404 otherwise (never a 403, which would confirm it exists). */
    async get(id: number, viewer: Viewer): Promise<ArticleRow> {
      const row = await store.articles.byId(id);
      if (!row || !canSee(viewer, row)) throw notFound(`Article ${id}`);
      return row;
    },

    /** What a conditional GET needs (version, updatedAt), under the same visibility rule as get(). */
    async head(id: number, viewer: Viewer): Promise<ArticleHead> {
      const head = await store.articles.head(id);
      if (!head || !canSee(viewer, head)) throw notFound(`Article ${id}`);
      return head;
    },

    /** By slug; an old slug answers with the article's current slug to redirect to. */
    async getBySlug(slug: string, viewer: Viewer): Promise<{ row: ArticleRow } | { movedTo: string }> {
      const row = await store.articles.bySlug(slug);
      if (row && canSee(viewer, row)) return { row };
      const owner = row ? undefined : await store.articles.formerOwner(slug);
      const target = owner === undefined ? undefined : await store.articles.byId(owner);
      if (target && canSee(viewer, target)) return { movedTo: target.slug };
      throw notFound(`Article "${slug}"`);
    },

    create: (input: ArticleCreateWrite, keyId: number | null, opts: InUnit = {}): Promise<ArticleRow> =>
      inUnit(store, opts.tx, async (tx) => {
        const ctx = { ...opts, keyId };
        const now = clock();
        const cols = toColumns(input);
        await checkRefs(tx, input.sectionId, input.sourceId);
        // A slug chosen by the client takes over an old slug: it stops redirecting.
        if (input.slug !== undefined) await tx.articles.releaseSlug(input.slug);
        const status = input.status ?? 'draft';
        const values: Omit<ArticleInsert, 'slug'> = {
          ...DEFAULTS,
          ...cols,
          title: input.title,
          sectionId: input.sectionId,
          status,
          publishedAt: cols.publishedAt ?? (status === 'published' ? now : null),
          createdAt: now,
          updatedAt: now,
          createdBy: ctx.keyId,
          updatedBy: ctx.keyId,
        };
        const row = await withFreshSlug(
          tx,
          input.slug,
          slugify(input.title) || 'article',
          (sp, slug) => sp.articles.insert({ ...values, slug }),
          (slug) => slugTaken(tx, slug),
        );
        await effects.article(tx, 'create', row, null, ctx);
        return row;
      }),

    /** Returns the same row object when nothing changed (no version, no revision). */
    update: (id: number, input: ArticleUpdateWrite, expected: ExpectedVersion, keyId: number | null, opts: InUnit = {}): Promise<ArticleRow> =>
      inUnit(store, opts.tx, async (tx) => {
        const ctx = { ...opts, keyId };
        const cols = toColumns(input);
        const { row } = await writeAtVersion(() => mustGet(tx, id), expected, (current) => applyUpdate(tx, current, cols, ctx));
        return row;
      }),

    /** A change to what belongs to the article (its related links): a new version, in the change's unit of work. */
    async touch(tx: Tx, id: number): Promise<number | undefined> {
      // The row read to see whether it exists is the first one written at; a retry reads afresh.
      let first: ArticleRow | undefined = await tx.articles.byId(id);
      if (!first) return undefined;
      const read = async () => {
        const row = first ?? (await mustGet(tx, id));
        first = undefined;
        return row;
      };
      const { row, previous } = await writeAtVersion(read, undefined, (current) => tx.articles.update(id, current.version, { updatedAt: clock() }));
      await effects.article(tx, 'update', row, previous);
      return row.version;
    },

    /** Moves the article to the trash; its slug stays reserved. */
    trash: (id: number, expected: ExpectedVersion, keyId: number | null, opts: InUnit = {}): Promise<void> =>
      inUnit(store, opts.tx, async (tx) => {
        const { row, previous } = await writeAtVersion(
          () => mustGet(tx, id),
          expected,
          async (current) => (current.deletedAt !== null ? current : setState(tx, current, { deletedAt: clock() }, keyId)),
        );
        if (row !== previous) await effects.article(tx, 'delete', row, previous);
      }),

    restore: (id: number, keyId: number | null): Promise<ArticleRow> =>
      store.write(async (tx) => {
        const { row, previous } = await writeAtVersion(
          () => mustGet(tx, id),
          undefined,
          async (current) => (current.deletedAt === null ? current : setState(tx, current, { deletedAt: null }, keyId)),
        );
        if (row !== previous) await effects.article(tx, 'restore', row, previous);
        return row;
      }),

    /** Deletes for good: its own links, revisions, tags and old slugs go with it, and links pointing to it. */
    purge: (id: number, expected: ExpectedVersion): Promise<void> =>
      store.write(async (tx) => {
        const { previous } = await writeAtVersion(
          () => mustGet(tx, id),
          expected,
          async (current) => ((await tx.articles.delete(id, current.version)) ? current : undefined),
        );
        await effects.article(tx, 'purge', previous, previous);
      }),

    /** Restores the state an article had at `revision`, as a new change (new version, new revision). */
    restoreRevision: (id: number, revision: number, keyId: number | null): Promise<ArticleRow> =>
      store.write(async (tx) => {
        const { row } = await writeAtVersion(
          () => mustGet(tx, id),
          undefined,
          async (current) => {
            if (revision === current.version) return current;
            const rev = await tx.articles.revision(id, revision);
            if (!rev) throw notFound(`Revision ${revision} of article ${id}`);
            const snapshot = rev.snapshot as ArticleSnapshot;
            const next = Object.fromEntries(SNAPSHOT_FIELDS.map((f) => [f, snapshot[f]])) as Partial<ArticleRow>;
            next.bodyText = htmlToText(snapshot.body);
            return applyUpdate(tx, current, next, { keyId });
          },
        );
        return row;
      }),
  };
}

export type ArticleService = ReturnType<typeof createArticleService>;
