import { badRequest, notFound } from '../common/errors.js';
import { keysetPage } from '../common/pagination.js';
import { toIso, toIsoOrNull, type Clock } from '../common/time.js';
import type { DeliveryRow, DeliveryStatus, Store, WebhookRow } from '../store/port.js';
import { checkWebhookUrl } from './guard.js';
import type { DeliveryDto, WebhookCreateInput, WebhookDto, WebhookUpdateInput } from './schemas.js';
import { newSecret } from './send.js';

const toWebhook = (r: WebhookRow): WebhookDto => ({
  id: r.id,
  url: r.url,
  events: r.events,
  active: r.active,
  failureCount: r.failureCount,
  disabledReason: r.disabledReason,
  createdAt: toIso(r.createdAt),
  updatedAt: toIso(r.updatedAt),
});

const toDelivery = (r: DeliveryRow): DeliveryDto => ({
  id: r.id,
  webhookId: r.webhookId,
  eventId: r.eventId,
  eventType: r.eventType,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.status === 'pending' ? toIsoOrNull(r.nextAttemptAt) : null,
  lastStatusCode: r.lastStatusCode,
  lastError: r.lastError,
  createdAt: toIso(r.createdAt),
  lastAttemptAt: toIsoOrNull(r.lastAttemptAt),
  deliveredAt: toIsoOrNull(r.deliveredAt),
  payload: JSON.parse(r.payload) as DeliveryDto['payload'],
});

/** Registered endpoints and their delivery log (admin API), written against the storage port. */
export function createWebhookService(store: Store, clock: Clock, opts: { allowPrivate: boolean }) {
  async function mustGet(id: number): Promise<WebhookRow> {
    const row = await store.webhooks.byId(id);
    if (!row) throw notFound(`Webhook ${id}`);
    return row;
  }

  /** The SSRF guard's first check (no literal private address or local name); resolved addresses are checked before every call. */
  function checkUrl(url: string) {
    const problem = checkWebhookUrl(url, opts.allowPrivate);
    if (problem) throw badRequest('The webhook URL is not allowed', [{ in: 'body', pointer: '/url', message: problem }]);
  }

  return {
    async create(input: WebhookCreateInput): Promise<WebhookDto & { secret: string }> {
      checkUrl(input.url);
      const row = await store.write((tx) => tx.webhooks.insert({ url: input.url, events: input.events, secret: newSecret(), createdAt: clock() }));
      return { ...toWebhook(row), secret: row.secret };
    },

    get: async (id: number): Promise<WebhookDto> => toWebhook(await mustGet(id)),

    async list(query: { limit: number; cursor?: string }): Promise<{ data: WebhookDto[]; nextCursor: string | null }> {
      const { rows, nextCursor } = await keysetPage('id', {}, query, (r: WebhookRow) => r.id, (after, limit) => store.webhooks.page(after, limit));
      return { data: rows.map(toWebhook), nextCursor };
    },

    async update(id: number, input: WebhookUpdateInput): Promise<WebhookDto> {
      if (input.url !== undefined) checkUrl(input.url);
      // Turning an endpoint back on gives it a fresh start.
      const revive = input.active === true ? { failureCount: 0, disabledReason: null } : {};
      const row = await store.write((tx) => tx.webhooks.update(id, { ...input, ...revive, updatedAt: clock() }));
      if (!row) throw notFound(`Webhook ${id}`);
      return toWebhook(row);
    },

    /** Deletes the endpoint with its delivery log and its undelivered events. */
    async remove(id: number): Promise<void> {
      if (!(await store.write((tx) => tx.webhooks.delete(id)))) throw notFound(`Webhook ${id}`);
    },

    async deliveries(id: number, query: { limit: number; cursor?: string; status?: DeliveryStatus }) {
      await mustGet(id);
      const filter = { status: query.status };
      const { rows, nextCursor } = await keysetPage('newest', { status: query.status ?? null }, query, (r: DeliveryRow) => r.id, (after, limit) =>
        store.deliveries.page(id, filter, after, limit),
      );
      return { data: rows.map(toDelivery), nextCursor };
    },

    /** Queues the event again as a new delivery (same webhook-id and body), due now. */
    async redeliver(id: number, deliveryId: number): Promise<DeliveryDto> {
      const row = await store.write(async (tx) => {
        if (!(await tx.webhooks.byId(id))) throw notFound(`Webhook ${id}`);
        return tx.deliveries.redeliver(id, deliveryId, clock());
      });
      if (!row) throw notFound(`Delivery ${deliveryId} of webhook ${id}`);
      return toDelivery(row);
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
