import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams } from '../common/schemas.js';
import { linkNext } from '../common/pagination.js';
import { ApiKeyCreate, ApiKeyCreated, ApiKeyListQuery, ApiKeyPage } from './schemas.js';
import type { KeyService } from './service.js';
import { pagedList } from '../http/contract.js';

const tags = ['keys'];

export const keyRoutes: FastifyPluginAsyncZod<{ keys: KeyService }> = async (app, { keys }) => {
  app.post('/keys', {
    config: { scope: 'admin' },
    schema: {
      tags,
      operationId: 'createApiKey',
      summary: 'Create an API key',
      description: 'The answer holds the secret: it is shown this once and stored only as a hash.',
      body: ApiKeyCreate,
      response: { 201: ApiKeyCreated },
    },
    handler: async (request, reply) => {
      const key = await keys.create(request.body);
      return reply.code(201).header('location', `/v1/keys/${key.id}`).header('cache-control', 'no-store').send(key);
    },
  });

  app.get('/keys', {
    config: { scope: 'admin' },
    schema: {
      ...pagedList,
      tags,
      operationId: 'listApiKeys',
      summary: 'List API keys (without secrets), oldest first',
      querystring: ApiKeyListQuery,
      response: { 200: ApiKeyPage },
    },
    handler: async (request, reply) => {
      const { data, nextCursor } = await keys.list(request.query);
      linkNext(request, reply, nextCursor);
      return { data, page: { nextCursor, limit: request.query.limit } };
    },
  });

  app.delete('/keys/:id', {
    config: { scope: 'admin' },
    schema: {
      tags,
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key',
      description: 'The key stops working at once. Revoking a revoked key is not an error; the key stays listed with its revokedAt.',
      params: IdParams,
      response: { 204: z.null().describe('Revoked') },
    },
    handler: async (request, reply) => {
      await keys.revoke(request.params.id);
      return reply.code(204).send(null);
    },
  });
};
