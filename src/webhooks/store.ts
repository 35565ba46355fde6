import { and, eq } from 'drizzle-orm';
import { decodeCursor, encodeCursor, fingerprint } from '../common/pagination.js';
import { after, orderBy, type Sort } from '../store/sqlite/keyset.js';
import { toIso, toIsoOrNull, type Clock } from '../common/time.js';
import type { Db } from '../store/sqlite/connection.js';
import { webhookDeliveries, webhooks } from '../store/sqlite/schema.js';
import { badRequest, notFound } from '../common/errors.js';
import { checkWebhookUrl } from './guard.js';
import type { DeliveryDto, WebhookCreateInput, WebhookDto, WebhookUpdateInput } from './schemas.js';
import { newSecret } from './send.js';

type HookRow = typeof webhooks.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

const toWebhook = (r: HookRow): WebhookDto => ({
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

const BY_ID: Sort = { key: 'id', column: webhooks.id, desc: false };
const NEWEST: Sort = { key: 'newest', column: webhookDeliveries.id, desc: true };

/** Registered endpoints and their delivery log (admin API). */
export function createWebhookStore(db: Db, clock: Clock, opts: { allowPrivate: boolean }) {
  function mustGet(id: number): HookRow {
    const row = db.select().from(webhooks).where(eq(webhooks.id, id)).get();
    if (!row) throw notFound(`Webhook ${id}`);
    return row;
  }

  function checkUrl(url: string) {
    const problem = checkWebhookUrl(url, opts.allowPrivate);
    if (problem) throw badRequest('The webhook URL is not allowed', [{ in: 'body', pointer: '/url', message: problem }]);
  }

  return {
    async create(input: WebhookCreateInput): Promise<WebhookDto & { secret: string }> {
      checkUrl(input.url);
      const now = clock();
      const row = db.insert(webhooks).values({ url: input.url, events: input.events, secret: newSecret(), createdAt: now, updatedAt: now }).returning().get();
      return { ...toWebhook(row), secret: row.secret };
    },

    async get(id: number): Promise<WebhookDto> {
      return toWebhook(mustGet(id));
    },

    async list(opts: { limit: number; cursor?: string }): Promise<{ data: WebhookDto[]; nextCursor: string | null }> {
      const filters = fingerprint({});
      const c = opts.cursor ? decodeCursor(opts.cursor, BY_ID, filters) : undefined;
      const where = c ? after(BY_ID, webhooks.id, c.id, c.id) : undefined;
      const rows = db.select().from(webhooks).where(where).orderBy(...orderBy(BY_ID, webhooks.id)).limit(opts.limit + 1).all();
      const page = rows.slice(0, opts.limit);
      const last = page[page.length - 1];
      return { data: page.map(toWebhook), nextCursor: rows.length > opts.limit && last ? encodeCursor(BY_ID, filters, last.id, last.id) : null };
    },

    async update(id: number, input: WebhookUpdateInput): Promise<WebhookDto> {
      if (input.url !== undefined) checkUrl(input.url);
      return db.transaction(() => {
        mustGet(id);
        // Turning an endpoint back on gives it a fresh start.
        const revive = input.active === true ? { failureCount: 0, disabledReason: null } : {};
        const row = db.update(webhooks).set({ ...input, ...revive, updatedAt: clock() }).where(eq(webhooks.id, id)).returning().get()!;
        return toWebhook(row);
      });
    },

    /** Deletes the endpoint with its delivery log and its undelivered events. */
    async remove(id: number): Promise<void> {
      mustGet(id);
      db.delete(webhooks).where(eq(webhooks.id, id)).run();
    },

    async deliveries(id: number, opts: { limit: number; cursor?: string; status?: DeliveryRow['status'] }) {
      mustGet(id);
      const filters = fingerprint({ status: opts.status ?? null });
      const where = [eq(webhookDeliveries.webhookId, id)];
      if (opts.status) where.push(eq(webhookDeliveries.status, opts.status));
      if (opts.cursor) {
        const c = decodeCursor(opts.cursor, NEWEST, filters);
        where.push(after(NEWEST, webhookDeliveries.id, c.id, c.id));
      }
      const rows = db.select().from(webhookDeliveries).where(and(...where)).orderBy(...orderBy(NEWEST, webhookDeliveries.id)).limit(opts.limit + 1).all();
      const page = rows.slice(0, opts.limit);
      const last = page[page.length - 1];
      return { data: page.map(toDelivery), nextCursor: rows.length > opts.limit && last ? encodeCursor(NEWEST, filters, last.id, last.id) : null };
    },

    /** Queues the event again as a new delivery (same webhook-id and body), due now. */
    async redeliver(id: number, deliveryId: number): Promise<DeliveryDto> {
      mustGet(id);
      const old = db
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, id)))
        .get();
      if (!old) throw notFound(`Delivery ${deliveryId} of webhook ${id}`);
      const now = clock();
      const row = db
        .insert(webhookDeliveries)
        .values({ webhookId: id, eventId: old.eventId, eventType: old.eventType, payload: old.payload, nextAttemptAt: now, createdAt: now })
        .returning()
        .get();
      return toDelivery(row);
    },
  };
}

export type WebhookStore = ReturnType<typeof createWebhookStore>;
