import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams } from '../common/schemas.js';
import { etagOf } from '../http/conditional.js';
import type { ArticleService } from '../articles/service.js';
import type { Viewer } from '../articles/visibility.js';
import { RelatedLinkCreate, RelatedLinkList, RelatedLinkParams, RelatedLinkUpdate, RelatedLinkWrite } from './schemas.js';
import type { RelatedLinkService } from './service.js';

const tags = ['related-links'];
const BUMPS = 'Changes the article: its version goes up by one; the answer carries the new version (`Article-ETag`) for your next `If-Match`.';

export const relatedLinkRoutes: FastifyPluginAsyncZod<{
  links: RelatedLinkService;
  articles: Pick<ArticleService, 'get'>;
  viewerOf: (request: FastifyRequest) => Promise<Viewer>;
}> = async (app, { links, articles, viewerOf }) => {
  /** The owning article's version after a link write (from the write's own unit of work), as `Article-ETag`. */
  const stampArticleVersion = (reply: FastifyReply, version: number) => reply.header('article-etag', etagOf(version));

  app.get('/articles/:id/related-links', {
    config: { scope: 'public' },
    schema: {
      tags,
      operationId: 'listRelatedLinks',
      summary: "An article's related links, in position order",
      description: 'Links to articles the caller may not see are left out. An article has at most 100 links.',
      params: IdParams,
      response: { 200: RelatedLinkList },
    },
    handler: async (request) => {
      const viewer = await viewerOf(request);
      await articles.get(request.params.id, viewer);
      return { data: await links.list(request.params.id, viewer) };
    },
  });

  app.post('/articles/:id/related-links', {
    config: { scope: 'write' },
    schema: {
      tags,
      operationId: 'createRelatedLink',
      summary: 'Add a related link to an article',
      description: BUMPS,
      params: IdParams,
      body: RelatedLinkCreate,
      response: { 201: RelatedLinkWrite },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      await articles.get(id, await viewerOf(request));
      const link = await links.create(id, request.body);
      stampArticleVersion(reply, link.articleVersion);
      return reply.code(201).header('location', `/v1/articles/${id}/related-links/${link.id}`).send(link);
    },
  });

  app.patch('/articles/:id/related-links/:linkId', {
    config: { scope: 'write' },
    schema: {
      tags,
      operationId: 'updateRelatedLink',
      summary: "Move a related link, or change an external link's title",
      description: BUMPS,
      params: RelatedLinkParams,
      body: RelatedLinkUpdate,
      response: { 200: RelatedLinkWrite },
    },
    handler: async (request, reply) => {
      const link = await links.update(request.params.id, request.params.linkId, request.body);
      stampArticleVersion(reply, link.articleVersion);
      return link;
    },
  });

  app.delete('/articles/:id/related-links/:linkId', {
    config: { scope: 'write' },
    schema: {
      tags,
      operationId: 'deleteRelatedLink',
      summary: 'Remove a related link',
      description: `${BUMPS} The answer has no body.`,
      params: RelatedLinkParams,
      response: { 204: z.null().describe('Removed') },
    },
    handler: async (request, reply) => {
      stampArticleVersion(reply, await links.remove(request.params.id, request.params.linkId));
      return reply.code(204).send(null);
    },
  });
};
