import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Viewer } from '../articles/visibility.js';
import { notModified } from '../http/conditional.js';
import { toAtom } from './atom.js';
import { toJsonFeed } from './json-feed.js';
import type { FeedDoc } from './model.js';
import { toRss } from './rss.js';
import { FEED_FORMATS, FEED_LIMIT_DEFAULT, FeedQuery, JsonFeed, type FeedFormat, type FeedQueryInput } from './schemas.js';
import type { FeedService } from './service.js';
import type { PublicUrls } from './urls.js';
import { cacheableDocument } from '../http/contract.js';

/** `loadFor`: the primary's feeds, or a read replica's for anonymous readers (src/reads.ts). */
export type FeedRouteDeps = { loadFor: (request: FastifyRequest) => FeedService; urls: PublicUrls; viewerOf: (request: FastifyRequest) => Promise<Viewer> };

const SERIALISE: Record<FeedFormat, (doc: FeedDoc) => string> = { rss: toRss, atom: toAtom, json: toJsonFeed };
const OPERATION: Record<FeedFormat, string> = { rss: 'getRssFeed', atom: 'getAtomFeed', json: 'getJsonFeed' };

/** The URL this feed is at, with its parameters in a fixed order (the self link). */
function selfPath(format: FeedFormat, q: FeedQueryInput): string {
  const params = new URLSearchParams();
  if (q.section !== undefined) params.set('section', q.section);
  if (q.source !== undefined) params.set('source', q.source);
  if (q.limit !== FEED_LIMIT_DEFAULT) params.set('limit', String(q.limit));
  const query = params.toString();
  return `/v1/feeds/${format}${query ? `?${query}` : ''}`;
}

const DESCRIPTION =
  'The newest published articles, as readers see them (an editor’s key gets the public feed too; a partner key’s section and source limits apply). `section` includes its subsections. Entries carry the full sanitised HTML body, a permanent id (a `tag:` URI that survives slug changes) and absolute links built from PUBLIC_BASE_URL and ARTICLE_URL_TEMPLATE. Answers 304 to a matching `If-None-Match`; an unknown section or source is a 404.';

export const feedRoutes: FastifyPluginAsyncZod<FeedRouteDeps> = async (app, deps) => {
  for (const format of Object.keys(FEED_FORMATS) as FeedFormat[]) {
    const { type, title } = FEED_FORMATS[format];
    const schema = format === 'json' ? JsonFeed : z.string().describe(`${title} document`);
    app.get(`/feeds/${format}`, {
      config: { scope: 'public' },
      schema: {
        ...cacheableDocument,
        errors: [404],
        tags: ['feeds'],
        operationId: OPERATION[format],
        summary: `Newest articles as ${title}`,
        description: DESCRIPTION,
        querystring: FeedQuery,
        response: { 200: { description: title, content: { [type]: { schema } } }, 304: z.null().describe('Not modified') },
      },
      handler: async (request, reply) => {
        // A feed is public output: whoever asks, it shows what readers see.
        const viewer = { ...(await deps.viewerOf(request)), editor: false };
        const { doc, fingerprint } = await deps.loadFor(request)(request.query, viewer);
        if (notModified(request, reply, `W/"${format}-${fingerprint}"`)) return reply;
        const body = SERIALISE[format]({ ...doc, selfUrl: deps.urls.api(selfPath(format, request.query)) });
        return reply.type(`${type}; charset=utf-8`).send(body);
      },
    });
  }
};
