import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams, SlugParams } from '../common/schemas.js';
import { linkNext } from '../common/pagination.js';
import { etagOf, expectedVersion, notModified } from '../http/conditional.js';
import { Section, SectionCreate, SectionListQuery, SectionPage, SectionTree, SectionUpdate } from './schemas.js';
import type { SectionService } from './service.js';
import { cacheableItem, createdVersioned, ifMatch, pagedList } from '../http/contract.js';

const tags = ['sections'];

export const sectionRoutes: FastifyPluginAsyncZod<{ sections: SectionService }> = async (app, { sections }) => {
  app.get('/sections', {
    config: { scope: 'public' },
    schema: {
      ...pagedList,
      tags,
      operationId: 'listSections',
      summary: 'List sections in navigation order',
      querystring: SectionListQuery,
      response: { 200: SectionPage },
    },
    handler: async (request, reply) => {
      const { data, nextCursor } = await sections.list(request.query);
      linkNext(request, reply, nextCursor);
      return { data, page: { nextCursor, limit: request.query.limit } };
    },
  });

  app.get('/sections/tree', {
    config: { scope: 'public' },
    schema: {
      tags,
      operationId: 'getSectionTree',
      summary: 'The whole section tree, nested, in navigation order',
      description: 'What a site needs to render its navigation bar in one call.',
      response: { 200: SectionTree },
    },
    handler: async () => ({ data: await sections.tree() }),
  });

  app.get('/sections/:id', {
    config: { scope: 'public' },
    schema: { ...cacheableItem, tags, operationId: 'getSection', summary: 'Get a section by id', params: IdParams, response: { 200: Section, 304: z.null() } },
    handler: async (request, reply) => {
      const section = await sections.get(request.params.id);
      if (notModified(request, reply, etagOf(section.version), Date.parse(section.updatedAt))) return reply;
      return section;
    },
  });

  app.get('/sections/slug/:slug', {
    config: { scope: 'public' },
    schema: { ...cacheableItem, tags, operationId: 'getSectionBySlug', summary: 'Get a section by slug', params: SlugParams, response: { 200: Section, 304: z.null() } },
    handler: async (request, reply) => {
      const section = await sections.getBySlug(request.params.slug);
      if (notModified(request, reply, etagOf(section.version), Date.parse(section.updatedAt))) return reply;
      return section;
    },
  });

  app.post('/sections', {
    config: { scope: 'write' },
    schema: { ...createdVersioned, tags, operationId: 'createSection', summary: 'Create a section', body: SectionCreate, response: { 201: Section } },
    handler: async (request, reply) => {
      const section = await sections.create(request.body);
      return reply.code(201).header('location', `/v1/sections/${section.id}`).header('etag', etagOf(section.version)).send(section);
    },
  });

  app.patch('/sections/:id', {
    config: { scope: 'write' },
    schema: {
      ...ifMatch,
      tags,
      operationId: 'updateSection',
      summary: 'Change some fields of a section',
      description: 'Send `If-Match` with the ETag you read to refuse the write (412) when someone changed the section since.',
      params: IdParams,
      body: SectionUpdate,
      response: { 200: Section },
    },
    handler: async (request, reply) => {
      const section = await sections.update(request.params.id, request.body, expectedVersion(request));
      return reply.header('etag', etagOf(section.version)).send(section);
    },
  });

  app.delete('/sections/:id', {
    config: { scope: 'write' },
    schema: {
      ...ifMatch,
      errors: [409],
      tags,
      operationId: 'deleteSection',
      summary: 'Delete an empty section',
      description: 'Refused with 409 while the section has subsections or articles.',
      params: IdParams,
      response: { 204: z.null().describe('Deleted') },
    },
    handler: async (request, reply) => {
      await sections.remove(request.params.id, expectedVersion(request));
      return reply.code(204).send(null);
    },
  });
};
