import { createHash } from 'node:crypto';
import type { Presenter } from '../articles/present.js';
import type { ArticleQueries } from '../articles/queries.js';
import type { Viewer } from '../articles/visibility.js';
import { notFound } from '../common/errors.js';
import type { SectionService } from '../sections/service.js';
import type { SourceService } from '../sources/service.js';
import { CONTENT_LANGUAGE, toEntry, type FeedDoc } from './model.js';
import type { FeedQueryInput } from './schemas.js';
import type { PublicUrls } from './urls.js';

export type FeedServiceDeps = {
  queries: ArticleQueries;
  present: Presenter;
  sections: SectionService;
  sources: SourceService;
  urls: PublicUrls;
  publicationName: string;
};

/** A feed without its self link (which depends on the format), and a hash of everything it shows (for the ETag). */
export type LoadedFeed = { doc: Omit<FeedDoc, 'selfUrl'>; fingerprint: string };

const hash = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

/**
 * The newest reader-visible articles for a feed. The caller passes a reader's viewer: a feed is
 * public output, so an editor's key never puts drafts or scheduled articles into one (a partner
 * key's section and source limits still apply, through the viewer).
 */
export function createFeedService(deps: FeedServiceDeps) {
  const { urls } = deps;

  async function filters(q: FeedQueryInput) {
    const section = q.section === undefined ? undefined : await deps.sections.resolve(q.section);
    if (q.section !== undefined && !section) throw notFound(`Section "${q.section}"`);
    const source = q.source === undefined ? undefined : await deps.sources.resolve(q.source);
    if (q.source !== undefined && !source) throw notFound(`Source "${q.source}"`);
    const sectionIds = section ? await deps.sections.descendantIds(section.id) : undefined;
    return { section, source, sectionIds };
  }

  return async function load(q: FeedQueryInput, viewer: Viewer): Promise<LoadedFeed> {
    const { section, source, sectionIds } = await filters(q);
    const { rows } = await deps.queries.list({ sectionIds, sourceId: source?.id, limit: q.limit, sort: '-publishedAt', withBody: true }, viewer);
    const dtos = await deps.present(rows, { include: ['section'], withBody: true }, viewer);
    const entries = dtos.map((a) => toEntry(a, urls));
    const title = [deps.publicationName, section?.name, source?.name].filter(Boolean).join(' · ');
    const filterTimes = [section?.updatedAt, source?.updatedAt].filter((t): t is string => t !== undefined).map(Date.parse);
    const doc = {
      id: urls.feedId({ sectionId: section?.id, sourceId: source?.id }),
      title,
      description: section?.description ?? title,
      homeUrl: urls.base,
      language: CONTENT_LANGUAGE,
      updated: Math.max(0, ...entries.map((e) => e.updated), ...filterTimes),
      publisher: deps.publicationName,
      entries,
    };
    // What the feed shows changes only with these: which articles (and their versions), the names of their sections, the filters.
    const shown = dtos.map((a) => [a.id, a.version, a.section!.id, a.section!.version]);
    const fingerprint = hash(JSON.stringify([q, shown, section?.version, source?.version, urls.base, deps.publicationName]));
    return { doc, fingerprint };
  };
}

export type FeedService = ReturnType<typeof createFeedService>;
