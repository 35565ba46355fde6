import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Viewer } from '../articles/visibility.js';
import { decodePosition } from './cursor.js';
import { ChangeHead, ChangeListQuery, ChangePage } from './schemas.js';
import type { ChangeFeed } from './feed.js';
import { pagedList } from '../http/contract.js';

const tags = ['changes'];

const HOW =
  'Events are in commit order: each is written in the same transaction as the change, so a partner that follows `nextCursor` never misses or reorders one, even while writes happen. ' +
  'Editors (write and admin keys) see every event. Readers see only what they may see, from where they stand: an article entering their view is a `create`, leaving it (unpublished, trashed, moved out of a partner key’s sections or sources) a `delete`. ' +
  'A scheduled article (published, publishedAt in the future) is invisible to readers until due; when it comes due, its publication is appended to the log as a new event (a `create` for readers, an `update` for editors) with `at` = publishedAt — ' +
  'appended the first time the feed or the webhooks worker looks after that moment, so always after everything a partner has already read. ' +
  'Apply events by fetching the resource (`GET /v1/articles/{id}?include=relatedLinks` …) and recording tombstones for deletes; a delete of an article also removes its related links and links pointing to it.';

export const changeRoutes: FastifyPluginAsyncZod<{ feed: ChangeFeed; viewerOf: (request: FastifyRequest) => Promise<Viewer> }> = async (app, { feed, viewerOf }) => {
  app.get('/changes', {
    config: { scope: 'public' },
    schema: {
      ...pagedList,
      tags,
      operationId: 'listChanges',
      summary: 'Changes since a cursor, oldest first',
      description: HOW,
      querystring: ChangeListQuery,
      response: { 200: ChangePage },
    },
    handler: async (request, reply) => {
      const { since, limit } = request.query;
      const page = await feed.list(since === undefined ? 0 : decodePosition(since), limit, await viewerOf(request));
      reply.header('cache-control', 'no-store');
      if (page.hasMore) reply.header('link', `</v1/changes?since=${page.nextCursor}&limit=${limit}>; rel="next"`);
      return { data: page.data, page: { nextCursor: page.nextCursor, limit, hasMore: page.hasMore } };
    },
  });

  app.get('/changes/head', {
    config: { scope: 'public' },
    schema: {
      tags,
      operationId: 'getChangesHead',
      summary: 'The cursor of now, to start following from the present',
      description: 'Read the current content through the lists, then follow `GET /v1/changes?since=<cursor>` from this cursor.',
      response: { 200: ChangeHead },
    },
    handler: async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { cursor: await feed.head() };
    },
  });
};
