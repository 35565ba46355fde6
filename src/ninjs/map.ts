import type { ArticleDto } from '../articles/schemas.js';
import { CONTENT_LANGUAGE } from '../feeds/model.js';
import type { PublicUrls } from '../feeds/urls.js';
import type { RelatedLinkDto } from '../related-links/schemas.js';
import type { SectionDto } from '../sections/schemas.js';
import type { SourceDto } from '../sources/schemas.js';
import { NINJS_SCHEMA_URI, type NinjsDto } from './schemas.js';

/** Everything one ninjs document is made from. */
export type NinjsInput = {
  article: ArticleDto;
  /** The article's section first, then its parent, up to the root. */
  sections: SectionDto[];
  source: SourceDto | null;
  /** Related links the viewer may see, with the public URL of internal targets. */
  links: (RelatedLinkDto & { href: string })[];
  now: number;
};

/** ninjs `uri` values must be URIs: WHATWG parsing percent-encodes non-ASCII paths and punycodes hosts. */
const asUri = (url: string) => new URL(url).href;

/** Status → pubStatus: published is usable (with an embargo while scheduled); drafts and archived are withheld; the trash is canceled. */
function pubStatus(a: ArticleDto): NinjsDto['pubStatus'] {
  if (a.deletedAt !== null) return 'canceled';
  return a.status === 'published' ? 'usable' : 'withheld';
}

function dates(a: ArticleDto, now: number): Pick<NinjsDto, 'contentCreated' | 'embargoedUntil'> {
  if (a.publishedAt === null) return {};
  return Date.parse(a.publishedAt) > now ? { embargoedUntil: a.publishedAt } : { contentCreated: a.publishedAt };
}

function subjects(input: NinjsInput, urls: PublicUrls): NinjsDto['subjects'] {
  const sections = input.sections.map((s, i) => ({ name: s.name, rel: i === 0 ? 'section' : 'parentSection', uri: urls.sectionId(s.id), literal: s.slug }));
  return [...sections, ...input.article.tags.map((t) => ({ name: t, rel: 'keyword' }))];
}

function associations(input: NinjsInput, urls: PublicUrls): NinjsDto['associations'] {
  const related = input.links.map((l) => ({
    name: l.title,
    rel: 'related',
    uri: l.targetArticleId !== null ? urls.articleId(l.targetArticleId) : asUri(l.href),
    type: 'text' as const,
    representationType: 'partial' as const,
    headlines: [{ role: 'main', value: l.title }],
    renditions: [{ name: 'web', href: asUri(l.href), contentType: 'text/html' }],
  }));
  const cover = input.article.coverImageUrl;
  const image = cover
    ? [{ name: 'cover', rel: 'cover', uri: asUri(cover), type: 'picture' as const, representationType: 'partial' as const, renditions: [{ name: 'original', href: asUri(cover) }] }]
    : [];
  const all = [...related, ...image];
  return all.length ? all : undefined;
}

function sourceFields(source: SourceDto | null): Pick<NinjsDto, 'copyrightHolder' | 'infoSources'> {
  if (!source) return {};
  const info = { name: source.name, role: 'source', ...(source.url ? { uri: asUri(source.url) } : {}), literal: source.slug };
  return { copyrightHolder: source.name, infoSources: [info] };
}

function altIds(a: ArticleDto): NinjsDto['altIds'] {
  const ids = [{ role: 'id', value: String(a.id) }];
  if (a.externalId !== null) ids.push({ role: 'externalId', value: a.externalId });
  if (a.sourceUrl !== null) ids.push({ role: 'sourceUrl', value: a.sourceUrl });
  return ids;
}

/** An article as IPTC ninjs 3.2. Optional properties are left out rather than sent empty. */
export function toNinjs(input: NinjsInput, urls: PublicUrls): NinjsDto {
  const a = input.article;
  // "subhead" is the role the IPTC user guide gives a subheadline.
  const headlines = [{ role: 'main', value: a.title }, ...(a.subtitle ? [{ role: 'subhead', value: a.subtitle }] : [])];
  const related = associations(input, urls);
  return {
    uri: urls.articleId(a.id),
    standard: { name: 'ninjs', version: '3.2', schema: NINJS_SCHEMA_URI },
    type: 'text',
    representationType: 'full',
    version: String(a.version),
    firstCreated: a.createdAt,
    versionCreated: a.updatedAt,
    ...dates(a, input.now),
    pubStatus: pubStatus(a),
    language: CONTENT_LANGUAGE,
    slugline: a.slug,
    headlines,
    ...(a.summary ? { descriptions: [{ role: 'summary', contentType: 'text/plain', value: a.summary }] } : {}),
    bodies: [
      { role: 'main', contentType: 'text/html', value: a.body },
      { role: 'main', contentType: 'text/plain', value: a.bodyText, charCount: [...a.bodyText].length },
    ],
    ...(a.byline ? { by: a.byline } : {}),
    subjects: subjects(input, urls),
    ...sourceFields(input.source),
    renditions: [{ name: 'web', href: urls.article({ id: a.id, slug: a.slug, sectionSlug: input.sections[0]!.slug }), contentType: 'text/html' }],
    ...(related ? { associations: related } : {}),
    altIds: altIds(a),
  };
}
