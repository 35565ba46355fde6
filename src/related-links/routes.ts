import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams } from '../common/schemas.js';
import type { ArticleStore } from '../articles/store.js';
import type { Viewer } from '../articles/visibility.js';
import { RelatedLink, RelatedLinkCreate, RelatedLinkList, RelatedLinkParams, RelatedLinkUpdate } from './schemas.js';
import type { RelatedLinkStore } from './store.js';

const tags = ['related-links'];

export const relatedLinkRoutes: FastifyPluginAsyncZod<{
  links: RelatedLinkStore;
  articles: ArticleStore;
  viewerOf: (request: FastifyRequest) => Viewer;
}> = async (app, { links, articles, viewerOf }) => {
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
      const viewer = viewerOf(request);
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
      params: IdParams,
      body: RelatedLinkCreate,
      response: { 201: RelatedLink },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      await articles.get(id, viewerOf(request));
      const link = await links.create(id, request.body);
      return reply.code(201).header('location', `/v1/articles/${id}/related-links/${link.id}`).send(link);
    },
  });

  app.patch('/articles/:id/related-links/:linkId', {
    config: { scope: 'write' },
    schema: {
      tags,
      operationId: 'updateRelatedLink',
      summary: "Move a related link, or change an external link's title",
      params: RelatedLinkParams,
      body: RelatedLinkUpdate,
      response: { 200: RelatedLink },
    },
    handler: async (request) => links.update(request.params.id, request.params.linkId, request.body),
  });

  app.delete('/articles/:id/related-links/:linkId', {
    config: { scope: 'write' },
    schema: { tags, operationId: 'deleteRelatedLink', summary: 'Remove a related link', params: RelatedLinkParams, response: { 204: z.null().describe('Removed') } },
    handler: async (request, reply) => {
      await links.remove(request.params.id, request.params.linkId);
      return reply.code(204).send(null);
    },
  });
};
