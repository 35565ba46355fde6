import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { linkNext } from '../common/pagination.js';
import { IdParams, PageQuery } from '../common/schemas.js';
import { Delivery, DeliveryListQuery, DeliveryPage, DeliveryParams, Webhook, WebhookCreate, WebhookCreated, WebhookPage, WebhookUpdate } from './schemas.js';
import type { WebhookService } from './service.js';
import { pagedList } from '../http/contract.js';

const tags = ['webhooks'];
const config = { scope: 'admin' as const };

const SIGNING =
  'Each delivery is a POST of `{ type, timestamp, data }` signed per Standard Webhooks: `webhook-id` (the same on every retry), `webhook-timestamp` (unix seconds) and ' +
  '`webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with the base64-decoded part of the secret after `whsec_`. ' +
  'Any 2xx answer is success; anything else (3xx included: redirects are not followed), a timeout or a refused address is retried with backoff.';

export const webhookRoutes: FastifyPluginAsyncZod<{ webhooks: WebhookService }> = async (app, { webhooks }) => {
  app.post('/webhooks', {
    config,
    schema: {
      tags,
      operationId: 'createWebhook',
      summary: 'Register an endpoint; its signing secret is shown once',
      description: `${SIGNING}\n\nThe URL must be http(s) on a public address (checked again, after DNS resolution, before every call).`,
      body: WebhookCreate,
      response: { 201: WebhookCreated },
    },
    handler: async (request, reply) => {
      const hook = await webhooks.create(request.body);
      return reply.code(201).header('location', `/v1/webhooks/${hook.id}`).send(hook);
    },
  });

  app.get('/webhooks', {
    config,
    schema: { ...pagedList, tags, operationId: 'listWebhooks', summary: 'List endpoints (without their secrets)', querystring: PageQuery.strict(), response: { 200: WebhookPage } },
    handler: async (request, reply) => {
      const { data, nextCursor } = await webhooks.list(request.query);
      linkNext(request, reply, nextCursor);
      return { data, page: { nextCursor, limit: request.query.limit } };
    },
  });

  app.get('/webhooks/:id', {
    config,
    schema: { tags, operationId: 'getWebhook', summary: 'Get an endpoint', params: IdParams, response: { 200: Webhook } },
    handler: async (request) => webhooks.get(request.params.id),
  });

  app.patch('/webhooks/:id', {
    config,
    schema: {
      tags,
      operationId: 'updateWebhook',
      summary: 'Change an endpoint’s URL or events, or turn it on or off',
      description: 'An endpoint is turned off automatically after repeated failed deliveries; `{ "active": true }` turns it back on, and its waiting deliveries resume.',
      params: IdParams,
      body: WebhookUpdate,
      response: { 200: Webhook },
    },
    handler: async (request) => webhooks.update(request.params.id, request.body),
  });

  app.delete('/webhooks/:id', {
    config,
    schema: { tags, operationId: 'deleteWebhook', summary: 'Delete an endpoint and its delivery log', params: IdParams, response: { 204: z.null().describe('Deleted') } },
    handler: async (request, reply) => {
      await webhooks.remove(request.params.id);
      return reply.code(204).send(null);
    },
  });

  app.get('/webhooks/:id/deliveries', {
    config,
    schema: {
      ...pagedList,
      tags,
      operationId: 'listWebhookDeliveries',
      summary: 'The delivery log of an endpoint, newest first',
      params: IdParams,
      querystring: DeliveryListQuery,
      response: { 200: DeliveryPage },
    },
    handler: async (request, reply) => {
      const { data, nextCursor } = await webhooks.deliveries(request.params.id, request.query);
      linkNext(request, reply, nextCursor);
      return { data, page: { nextCursor, limit: request.query.limit } };
    },
  });

  app.post('/webhooks/:id/deliveries/:deliveryId/redeliver', {
    config,
    schema: {
      tags,
      operationId: 'redeliverWebhookDelivery',
      summary: 'Send an event again',
      description: 'Queues a new delivery of the same event (same `webhook-id` and body), due now.',
      params: DeliveryParams,
      response: { 202: Delivery },
    },
    handler: async (request, reply) => reply.code(202).send(await webhooks.redeliver(request.params.id, request.params.deliveryId)),
  });
};
