import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams, SlugParams } from '../common/schemas.js';
import { linkNext } from '../common/pagination.js';
import { etagOf, expectedVersion, notModified } from '../http/conditional.js';
import { Source, SourceCreate, SourceListQuery, SourcePage, SourceUpdate } from './schemas.js';
import type { SourceService } from './service.js';
import { cacheableItem, createdVersioned, ifMatch, pagedList } from '../http/contract.js';

const tags = ['sources'];

export const sourceRoutes: FastifyPluginAsyncZod<{ sources: SourceService }> = async (app, { sources }) => {
  app.get('/sources', {
    config: { scope: 'public' },
    schema: {
      ...pagedList,
      tags,
      operationId: 'listSources',
      summary: 'List sources by name',
      querystring: SourceListQuery,
      response: { 200: SourcePage },
    },
    handler: async (request, reply) => {
      const { data, nextCursor } = await sources.list(request.query);
      linkNext(request, reply, nextCursor);
      return { data, page: { nextCursor, limit: request.query.limit } };
    },
  });

  app.get('/sources/:id', {
    config: { scope: 'public' },
    schema: { ...cacheableItem, tags, operationId: 'getSource', summary: 'Get a source by id', params: IdParams, response: { 200: Source, 304: z.null() } },
    handler: async (request, reply) => {
      const source = await sources.get(request.params.id);
      if (notModified(request, reply, etagOf(source.version), Date.parse(source.updatedAt))) return reply;
      return source;
    },
  });

  app.get('/sources/slug/:slug', {
    config: { scope: 'public' },
    schema: { ...cacheableItem, tags, operationId: 'getSourceBySlug', summary: 'Get a source by slug', params: SlugParams, response: { 200: Source, 304: z.null() } },
    handler: async (request, reply) => {
      const source = await sources.getBySlug(request.params.slug);
      if (notModified(request, reply, etagOf(source.version), Date.parse(source.updatedAt))) return reply;
      return source;
    },
  });

  app.post('/sources', {
    config: { scope: 'write' },
    schema: { ...createdVersioned, tags, operationId: 'createSource', summary: 'Create a source', body: SourceCreate, response: { 201: Source } },
    handler: async (request, reply) => {
      const source = await sources.create(request.body);
      return reply.code(201).header('location', `/v1/sources/${source.id}`).header('etag', etagOf(source.version)).send(source);
    },
  });

  app.patch('/sources/:id', {
    config: { scope: 'write' },
    schema: {
      ...ifMatch,
      tags,
      operationId: 'updateSource',
      summary: 'Change some fields of a source',
      description: 'Send `If-Match` with the ETag you read to refuse the write (412) when someone changed the source since.',
      params: IdParams,
      body: SourceUpdate,
      response: { 200: Source },
    },
    handler: async (request, reply) => {
      const source = await sources.update(request.params.id, request.body, expectedVersion(request));
      return reply.header('etag', etagOf(source.version)).send(source);
    },
  });

  app.delete('/sources/:id', {
    config: { scope: 'write' },
    schema: {
      ...ifMatch,
      errors: [409],
      tags,
      operationId: 'deleteSource',
      summary: 'Delete a source no article names',
      description: 'Refused with 409 while articles (trashed ones included) name the source.',
      params: IdParams,
      response: { 204: z.null().describe('Deleted') },
    },
    handler: async (request, reply) => {
      await sources.remove(request.params.id, expectedVersion(request));
      return reply.code(204).send(null);
    },
  });
};
