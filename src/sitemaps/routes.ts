import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Viewer } from '../articles/visibility.js';
import type { PublicUrls } from '../feeds/urls.js';
import { notModified } from '../http/conditional.js';
import { AppError, notFound } from '../common/errors.js';
import type { SitemapArticle, SitemapRepo } from '../store/port.js';
import { newsUrlset, sitemapIndex, urlset } from './xml.js';
import { cacheableDocument } from '../http/contract.js';

export type SitemapRouteDeps = {
  /** The primary's sitemap reads, or a read replica's for anonymous readers (src/reads.ts). */
  storeFor: (request: FastifyRequest) => SitemapRepo;
  urls: PublicUrls;
  viewerOf: (request: FastifyRequest) => Promise<Viewer>;
  publicationName: string;
  /** URLs per sitemap page: at most 50,000 (the protocol's limit); tests lower it. */
  pageSize: number;
  publicRead: boolean;
};

const DAY = 86_400_000;
/** Google News: articles of the last two days, at most 1,000 per sitemap. */
export const NEWS_WINDOW = 2 * DAY;
export const NEWS_MAX = 1000;

const tags = ['sitemaps'];
const XML = 'application/xml';
const xmlResponse = (description: string) => ({ 200: { description, content: { [XML]: { schema: z.string() } } }, 304: z.null().describe('Not modified') });
const hash = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

export const sitemapRoutes: FastifyPluginAsyncZod<SitemapRouteDeps> = async (app, deps) => {
  const { urls } = deps;
  const loc = (a: SitemapArticle) => urls.article(a);

  /** Sitemaps list what readers see, whoever asks; with public read off they are not public either. */
  async function readerOf(request: FastifyRequest): Promise<Viewer> {
    if (!deps.publicRead && request.principal.keyId === null) {
      throw new AppError('authentication-required', 'Public read is off: sitemaps need an API key too', { headers: { 'www-authenticate': 'Bearer realm="masthead"' } });
    }
    return { ...(await deps.viewerOf(request)), editor: false };
  }

  const send = (request: FastifyRequest, reply: FastifyReply, body: string) =>
    notModified(request, reply, `W/"${hash(body)}"`) ? reply : reply.type(`${XML}; charset=utf-8`).send(body);

  app.get('/sitemap.xml', {
    config: { scope: 'public' },
    schema: {
      ...cacheableDocument,
      tags,
      operationId: 'getSitemapIndex',
      summary: 'Sitemap index: the article sitemaps and the news sitemap',
      description: `A sitemaps.org sitemap index listing \`/sitemaps/articles-<n>.xml\` (at most ${deps.pageSize} URLs each) and \`/sitemaps/news.xml\`.`,
      response: xmlResponse('Sitemap index'),
    },
    handler: async (request, reply) => {
      const viewer = await readerOf(request);
      const pages = await deps.storeFor(request).pages(viewer, deps.pageSize);
      const news = await deps.storeFor(request).publishedSince(viewer, viewer.now - NEWS_WINDOW, 1);
      const entries: { loc: string; lastmod: number | null }[] = pages.map((p) => ({ loc: urls.api(`/sitemaps/articles-${p.page}.xml`), lastmod: p.lastmod }));
      entries.push({ loc: urls.api('/sitemaps/news.xml'), lastmod: news[0]?.publishedAt ?? null });
      return send(request, reply, sitemapIndex(entries));
    },
  });

  app.get('/sitemaps/articles-:page(^\\d{1,9}).xml', {
    config: { scope: 'public' },
    schema: {
      ...cacheableDocument,
      tags,
      operationId: 'getArticleSitemap',
      summary: 'One page of the article sitemap',
      description: 'A sitemaps.org urlset of reader-visible articles in id order, with their last change. Pages past the last one are 404.',
      params: z.object({ page: z.coerce.number().int().min(1).describe('Page number, from 1') }),
      response: xmlResponse('Sitemap'),
    },
    handler: async (request, reply) => {
      const viewer = await readerOf(request);
      const rows = await deps.storeFor(request).page(viewer, request.params.page, deps.pageSize);
      if (rows.length === 0) throw notFound(`Sitemap page ${request.params.page}`);
      return send(request, reply, urlset(rows, loc));
    },
  });

  app.get('/sitemaps/news.xml', {
    config: { scope: 'public' },
    schema: {
      ...cacheableDocument,
      tags,
      operationId: 'getNewsSitemap',
      summary: 'Google News sitemap: articles of the last two days',
      description: `Reader-visible articles published in the last 48 hours, newest first, at most ${NEWS_MAX}, with news:publication, news:publication_date and news:title.`,
      response: xmlResponse('Google News sitemap'),
    },
    handler: async (request, reply) => {
      const viewer = await readerOf(request);
      const rows = await deps.storeFor(request).publishedSince(viewer, viewer.now - NEWS_WINDOW, NEWS_MAX);
      return send(request, reply, newsUrlset(rows, loc, deps.publicationName));
    },
  });
};
