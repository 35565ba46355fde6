import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { linkNext } from '../common/pagination.js';
import type { Viewer } from '../articles/visibility.js';
import { resolveFilterRefs } from '../common/filter-refs.js';
import type { SectionStore } from '../sections/store.js';
import type { SourceStore } from '../sources/store.js';
import { SearchPage, SearchQuery } from './schemas.js';
import type { SearchStore } from './store.js';

export type SearchRouteDeps = {
  search: SearchStore;
  viewerOf: (request: FastifyRequest) => Viewer;
  sections: Pick<SectionStore, 'resolve' | 'descendantIds'>;
  sources: Pick<SourceStore, 'resolve'>;
};

export const searchRoutes: FastifyPluginAsyncZod<SearchRouteDeps> = async (app, deps) => {
  app.get('/search', {
    config: { scope: 'public' },
    schema: {
      tags: ['search'],
      operationId: 'searchArticles',
      summary: 'Search articles',
      description:
        'Full-text search, best match first (title counts most, then tags, summary and body; newer first on ties), each hit with a highlighted `snippet`. ' +
        'Readers find only what they may read; editors find drafts and scheduled articles too, never the trash. ' +
        'Pages are stable while the index does not change: an article written between two pages can move across the boundary.',
      querystring: SearchQuery,
      response: { 200: SearchPage },
    },
    handler: async (request, reply) => {
      const q = request.query;
      const { sectionIds, sourceId } = await resolveFilterRefs(deps, q);
      const { hits, nextCursor } = await deps.search.search({ ...q, sectionIds, sourceId }, deps.viewerOf(request));
      linkNext(request, reply, nextCursor);
      return { data: hits, page: { nextCursor, limit: q.limit } };
    },
  });
};
