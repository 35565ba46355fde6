import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { linkNext } from '../common/pagination.js';
import type { Viewer } from '../articles/visibility.js';
import { resolveFilterRefs } from '../common/filter-refs.js';
import type { SectionService } from '../sections/service.js';
import type { SourceService } from '../sources/service.js';
import { SearchPage, SearchQuery, type SearchPageDto } from './schemas.js';
import type { SearchResult, SearchStore } from './store.js';
import { pagedList } from '../http/contract.js';

export type SearchRouteDeps = {
  /** The primary's search, or a read replica's for anonymous readers (src/reads.ts). */
  searchFor: (request: FastifyRequest) => SearchStore;
  viewerOf: (request: FastifyRequest) => Promise<Viewer>;
  sections: Pick<SectionService, 'resolve' | 'descendantIds'>;
  sources: Pick<SourceService, 'resolve'>;
};

export const searchRoutes: FastifyPluginAsyncZod<SearchRouteDeps> = async (app, deps) => {
  // A cached answer is the same object on every hit: its JSON is written once, by the route's own serialiser.
  const written = new WeakMap<SearchResult, string>();
  app.get('/search', {
    config: { scope: 'public' },
    schema: {
      ...pagedList,
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
      const result = await deps.searchFor(request).search({ ...q, sectionIds, sourceId }, await deps.viewerOf(request));
      linkNext(request, reply, result.nextCursor);
      let json = written.get(result);
      if (json === undefined) {
        json = reply.serialize({ data: result.hits, page: { nextCursor: result.nextCursor, limit: q.limit } }) as string;
        written.set(result, json);
      }
      // Already JSON (fastify sends a string of a JSON type as it is); the type provider expects the object it stands for.
      return reply.type('application/json; charset=utf-8').send(json as unknown as SearchPageDto);
    },
  });
};
