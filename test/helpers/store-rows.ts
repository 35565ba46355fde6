import type { ArticleRow, DeliveryRow, FeedEvent, FeedPosition, KeyRow, RelatedLinkRow, RevisionRow, Store, Visibility } from '../../src/store/port.js';

/**
 * Stored state as the storage port shows it, for tests that assert the effect of a request on the
 * data. Nothing here knows a driver or a dialect, so the same assertions hold on every adapter.
 */

/** Who sees everything: an editor, now. */
export const editorView = (now = Date.now()): Visibility => ({ editor: true, now, sectionIds: null, sourceIds: null });

/** Every stored article by id, trashed ones included. */
export async function allArticles(store: Store): Promise<ArticleRow[]> {
  const rows: ArticleRow[] = [];
  for (let page = await store.articles.scan(0, {}, 100); page.length > 0; page = await store.articles.scan(page.at(-1)!.id, {}, 100)) rows.push(...page);
  return rows;
}

/** Every past state of every article, by article id, then newest first. */
export async function allRevisions(store: Store): Promise<RevisionRow[]> {
  const rows: RevisionRow[] = [];
  for (const article of await allArticles(store)) rows.push(...(await store.articles.revisions(article.id)));
  return rows;
}

/** Every related link, by owning article id, then position. */
export async function allLinks(store: Store): Promise<RelatedLinkRow[]> {
  const rows: RelatedLinkRow[] = [];
  for (const article of await allArticles(store)) rows.push(...(await store.links.ofArticle(article.id)));
  return rows;
}

/** Ids of the stored articles (trashed ones included) that carry `tag`. */
export async function taggedWith(store: Store, tag: string): Promise<number[]> {
  return (await allArticles(store)).filter((a) => a.tags.includes(tag)).map((a) => a.id);
}

/** The whole change feed as an editor sees it, oldest first. */
export async function feedEvents(store: Store, view: Visibility = editorView()): Promise<FeedEvent[]> {
  const events: FeedEvent[] = [];
  for (let since: FeedPosition = 0; ; ) {
    const { events: page } = await store.feed.read(since, 100, view);
    if (page.length === 0) return events;
    events.push(...page);
    since = page.at(-1)!.position;
  }
}

/** Every API key, revoked ones included. */
export async function allKeys(store: Store): Promise<KeyRow[]> {
  const rows: KeyRow[] = [];
  for (let page = await store.keys.page(undefined, 100); page.length > 0; ) {
    rows.push(...page);
    const last = page.at(-1)!;
    page = await store.keys.page({ value: last.id, id: last.id }, 100);
  }
  return rows;
}

export type StoredKind = 'articles' | 'sections' | 'sources' | 'relatedLinks' | 'revisions' | 'tags' | 'keys';

/** How many rows of a kind are stored (`tags`: article–tag pairs), to prove that a refused write stored nothing. */
export async function countStored(store: Store, kind: StoredKind): Promise<number> {
  switch (kind) {
    case 'articles':
      return (await allArticles(store)).length;
    case 'sections':
      return (await store.sections.all()).length;
    case 'sources':
      return (await store.sources.all()).length;
    case 'relatedLinks':
      return (await allLinks(store)).length;
    case 'revisions':
      return (await allRevisions(store)).length;
    case 'tags':
      return (await allArticles(store)).reduce((n, a) => n + a.tags.length, 0);
    case 'keys':
      return store.keys.count();
  }
}

/** An endpoint's deliveries in event order (oldest first), read through the storage port rather than SQL. */
export async function deliveryLog(store: Store, webhookId: number): Promise<DeliveryRow[]> {
  const rows: DeliveryRow[] = [];
  for (let page = await store.deliveries.page(webhookId, {}, undefined, 100); page.length > 0; ) {
    rows.push(...page);
    page = await store.deliveries.page(webhookId, {}, { value: page.at(-1)!.id, id: page.at(-1)!.id }, 100);
  }
  return rows.reverse();
}
