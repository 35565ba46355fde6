import { z } from 'zod';
import { id, PageQuery, pageOf, timestamp } from '../common/schemas.js';
import { EVENT_TYPES } from './events.js';

const EventName = z.enum([...EVENT_TYPES, '*']).describe('`<resource>.<op>`, or `*` for every event');
const events = z
  .array(EventName)
  .min(1)
  .max(EVENT_TYPES.length + 1)
  .refine((list) => new Set(list).size === list.length, 'Must not repeat an event');
const url = z.string().max(2048).describe('The endpoint: an absolute http(s) URL on a public address');

const example = {
  id: 1,
  url: 'https://partner.example.com/hooks/masthead',
  events: ['article.published', 'article.updated', 'article.deleted'],
  active: true,
  failureCount: 0,
  disabledReason: null,
  createdAt: '2023-04-19T00:00:00.000Z',
  updatedAt: '2023-04-19T00:00:00.000Z',
};

export const Webhook = z
  .object({
    id,
    url: z.string(),
    events: z.array(z.string()),
    active: z.boolean().describe('Inactive endpoints get no new events; their pending deliveries wait'),
    failureCount: z.number().int().describe('Deliveries that failed for good in a row; reset by a success'),
    disabledReason: z.string().nullable().describe('Why the endpoint was disabled automatically, if it was'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Webhook', description: 'A registered endpoint. Its secret is shown only when it is created.', example });

export const WebhookCreated = Webhook.extend({
  secret: z.string().describe('The signing secret (whsec_…), shown only now: verify `webhook-signature` with it'),
}).meta({ id: 'WebhookCreated', example: { ...example, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } });

export const WebhookCreate = z
  .strictObject({ url, events })
  .meta({ id: 'WebhookCreate', example: { url: example.url, events: example.events } });

export const WebhookUpdate = z
  .strictObject({
    url,
    events,
    active: z.boolean().describe('true re-enables a disabled endpoint (and resets its failure count)'),
  })
  .partial()
  .meta({ id: 'WebhookUpdate', example: { active: true } });

export const WebhookPage = pageOf(Webhook, 'WebhookPage');

export const Delivery = z
  .object({
    id,
    webhookId: id,
    eventId: z.string().describe('The `webhook-id` header: the same on every attempt and redelivery of the event'),
    eventType: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: timestamp.nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: timestamp,
    lastAttemptAt: timestamp.nullable(),
    deliveredAt: timestamp.nullable(),
    payload: z
      .object({ type: z.string(), timestamp, data: z.record(z.string(), z.unknown()) })
      .describe('The body that is sent (and signed), exactly'),
  })
  .meta({
    id: 'WebhookDelivery',
    example: {
      id: 7,
      webhookId: 1,
      eventId: 'msg_2mN0rQ6x3vYtQm8c1yR5Ww',
      eventType: 'article.published',
      status: 'succeeded',
      attempts: 1,
      nextAttemptAt: null,
      lastStatusCode: 204,
      lastError: null,
      createdAt: '2023-04-19T00:00:00.000Z',
      lastAttemptAt: '2023-04-19T00:00:01.000Z',
      deliveredAt: '2023-04-19T00:00:01.000Z',
      payload: { type: 'article.published', timestamp: '2023-04-19T00:00:00.000Z', data: { id: 1, title: '甘肃省党政代表团来津考察' } },
    },
  });

export const DeliveryPage = pageOf(Delivery, 'WebhookDeliveryPage');

export const DeliveryListQuery = PageQuery.extend({
  status: z.enum(['pending', 'succeeded', 'failed']).optional().describe('Only deliveries in this state'),
}).strict();

export const DeliveryParams = z.object({
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  deliveryId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

export type WebhookDto = z.infer<typeof Webhook>;
export type DeliveryDto = z.infer<typeof Delivery>;
export type WebhookCreateInput = z.infer<typeof WebhookCreate>;
export type WebhookUpdateInput = z.infer<typeof WebhookUpdate>;
