/** What an article's public URL may be built from. */
export type ArticleRef = { id: number; slug: string; sectionSlug: string };

/**
 * Public URLs and identifiers of syndicated content. Links come from PUBLIC_BASE_URL and the
 * ARTICLE_URL_TEMPLATE; identifiers are `tag:` URIs (RFC 4151) built from the id alone, so an
 * article's GUID / Atom id / ninjs uri never changes when its slug, section or title does.
 */
export function createPublicUrls(publicBaseUrl: string, articleUrlTemplate: string) {
  const base = publicBaseUrl.replace(/\/+$/, '');
  // A tag URI's authority is a DNS name (no port); the date is fixed so that ids never age.
  const authority = new URL(base).hostname.replace(/^\[|\]$/g, '');
  const tag = (what: string) => `tag:${authority},2026:${what}`;
  return {
    base,
    /** The reader-facing URL of an article (slugs and section slugs are percent-encoded). */
    article(a: ArticleRef): string {
      return articleUrlTemplate.replace(/\{(base|id|slug|section)\}/g, (_m, key: string) => {
        if (key === 'base') return base;
        if (key === 'id') return String(a.id);
        return encodeURIComponent(key === 'slug' ? a.slug : a.sectionSlug);
      });
    },
    /** The permanent identifier of an article (RSS guid, Atom id, JSON Feed id, ninjs uri). */
    articleId: (id: number) => tag(`article:${id}`),
    sectionId: (id: number) => tag(`section:${id}`),
    sourceId: (id: number) => tag(`source:${id}`),
    /** A feed's own identifier: stable for the same filter, whatever the URL it was fetched by. */
    feedId: (filter: { sectionId?: number; sourceId?: number }) =>
      tag(['feed', filter.sectionId ? `section-${filter.sectionId}` : '', filter.sourceId ? `source-${filter.sourceId}` : ''].filter(Boolean).join(':')),
    /** An absolute URL of this API (self links). */
    api: (pathAndQuery: string) => `${base}${pathAndQuery}`,
  };
}

export type PublicUrls = ReturnType<typeof createPublicUrls>;
