import type { DeliveryJob, DeliveryQueueRepo, DeliveryRepo, DeliveryRow, LeasedEndpoint, WebhookRepo, WebhookRow } from '../port.js';
import { changed, row, rows, type Queryable } from './query.js';

const HOOK_COLUMNS = 'id, url, events, secret, active, failure_count AS "failureCount", disabled_reason AS "disabledReason", created_at AS "createdAt", updated_at AS "updatedAt"';
const DELIVERY_COLUMNS = `id, webhook_id AS "webhookId", event_id AS "eventId", event_type AS "eventType", payload, status, attempts, next_attempt_at AS "nextAttemptAt",
  last_status_code AS "lastStatusCode", last_error AS "lastError", created_at AS "createdAt", last_attempt_at AS "lastAttemptAt", delivered_at AS "deliveredAt"`;

/** Registered endpoints (webhooks), as src/store/sqlite/webhooks.ts; events is jsonb, active a boolean. */
export function createWebhookRepo(q: Queryable): WebhookRepo {
  return {
    byId: (id) => row<WebhookRow>(q, `SELECT ${HOOK_COLUMNS} FROM webhooks WHERE id = $1`, [id]),
    page: (after, limit) =>
      after
        ? rows<WebhookRow>(q, `SELECT ${HOOK_COLUMNS} FROM webhooks WHERE id > $1 ORDER BY id LIMIT $2`, [after.id, limit])
        : rows<WebhookRow>(q, `SELECT ${HOOK_COLUMNS} FROM webhooks ORDER BY id LIMIT $1`, [limit]),
    async insert(v) {
      const inserted = await row<WebhookRow>(
        q,
        `INSERT INTO webhooks (url, events, secret, active, failure_count, created_at, updated_at) VALUES ($1, $2::jsonb, $3, true, 0, $4, $4) RETURNING ${HOOK_COLUMNS}`,
        [v.url, JSON.stringify(v.events), v.secret, v.createdAt],
      );
      return inserted!;
    },
    update: (id, patch) =>
      row<WebhookRow>(
        q,
        `UPDATE webhooks SET url = coalesce($2, url), events = coalesce($3::jsonb, events), active = coalesce($4::boolean, active),
           failure_count = coalesce($5::int, failure_count),
           disabled_reason = CASE WHEN $6::boolean THEN $7 ELSE disabled_reason END, updated_at = $8
         WHERE id = $1 RETURNING ${HOOK_COLUMNS}`,
        [
          id,
          patch.url ?? null,
          patch.events === undefined ? null : JSON.stringify(patch.events),
          patch.active ?? null,
          patch.failureCount ?? null,
          patch.disabledReason !== undefined,
          patch.disabledReason ?? null,
          patch.updatedAt,
        ],
      ),
    // The delivery log goes with the endpoint (ON DELETE CASCADE).
    delete: async (id) => (await changed(q, 'DELETE FROM webhooks WHERE id = $1', [id])) === 1,
  };
}

/** The delivery log (webhook_deliveries), newest first. */
export function createDeliveryRepo(q: Queryable): DeliveryRepo {
  return {
    byId: (webhookId, deliveryId) => row<DeliveryRow>(q, `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2`, [deliveryId, webhookId]),
    // One statement for every page and filter: a null bound means "no such condition".
    page: (webhookId, filter, after, limit) =>
      rows<DeliveryRow>(
        q,
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
         WHERE webhook_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::int8 IS NULL OR id < $3)
         ORDER BY id DESC LIMIT $4`,
        [webhookId, filter.status ?? null, after?.id ?? null, limit],
      ),
    redeliver: (webhookId, deliveryId, at) =>
      row<DeliveryRow>(
        q,
        `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status, attempts, next_attempt_at, created_at)
         SELECT webhook_id, event_id, event_type, payload, 'pending', 0, $3, $3 FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2
         RETURNING ${DELIVERY_COLUMNS}`,
        [deliveryId, webhookId, at],
      ),
  };
}

type Leased = Omit<LeasedEndpoint, 'jobs'> & { dueAt: number; firstId: number };

/**
 * The worker's queue (see DeliveryQueueRepo in the port), with workers on several nodes at once.
 * `lease` locks the endpoint rows it picks with FOR UPDATE SKIP LOCKED: a worker leasing at the
 * same moment skips them instead of waiting, and once this unit commits their lease columns say
 * whose they are. A row locked by a unit that then commits is re-checked on its new version
 * (READ COMMITTED), so an endpoint another worker has just leased is not taken twice.
 */
export function createDeliveryQueueRepo(q: Queryable): DeliveryQueueRepo {
  return {
    async lease(owner, now, until, limits) {
      // An endpoint is due when its oldest pending delivery is: a later event never overtakes it.
      const leased = await rows<Leased>(
        q,
        `WITH picked AS (
           SELECT w.id, d.next_attempt_at AS due_at, d.id AS first_id FROM webhooks w
           CROSS JOIN LATERAL (
             SELECT p.id, p.next_attempt_at FROM webhook_deliveries p WHERE p.webhook_id = w.id AND p.status = 'pending' ORDER BY p.id LIMIT 1) d
           WHERE w.active AND (w.lease_until IS NULL OR w.lease_until <= $2) AND d.next_attempt_at <= $2
           ORDER BY d.next_attempt_at, d.id LIMIT $4
           FOR UPDATE OF w SKIP LOCKED)
         UPDATE webhooks w SET lease_owner = $1, lease_until = $3 FROM picked WHERE w.id = picked.id
         RETURNING w.id AS "webhookId", w.url, w.secret, picked.due_at AS "dueAt", picked.first_id AS "firstId"`,
        [owner, now, until, limits.endpoints],
      );
      if (leased.length === 0) return [];
      leased.sort((a, b) => a.dueAt - b.dueAt || a.firstId - b.firstId);
      const jobs = await rows<DeliveryJob & { webhookId: number }>(
        q,
        `SELECT id, "webhookId", "eventId", payload, attempts, "nextAttemptAt" FROM (
           SELECT id, webhook_id AS "webhookId", event_id AS "eventId", payload, attempts, next_attempt_at AS "nextAttemptAt",
             row_number() OVER (PARTITION BY webhook_id ORDER BY id) AS n
           FROM webhook_deliveries WHERE webhook_id = ANY($1::int8[]) AND status = 'pending') j
         WHERE n <= $2 ORDER BY "webhookId", id`,
        [leased.map((e) => e.webhookId), limits.batch],
      );
      return leased.map((e) => ({
        webhookId: e.webhookId,
        url: e.url,
        secret: e.secret,
        jobs: jobs.filter((j) => j.webhookId === e.webhookId).map(({ webhookId: _, ...job }) => job),
      }));
    },
    renew: async (webhookId, owner, until) => (await changed(q, 'UPDATE webhooks SET lease_until = $3 WHERE id = $1 AND lease_owner = $2', [webhookId, owner, until])) === 1,
    async release(webhookId, owner) {
      await q.query('UPDATE webhooks SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2', [webhookId, owner]);
    },
    /** Several nodes: no lease can be told to be a stopped process's, so each runs out (see the port). */
    recover: async () => 0,
    async succeeded(id, a) {
      await q.query(
        `WITH d AS (
           UPDATE webhook_deliveries SET status = 'succeeded', attempts = attempts + 1, last_status_code = $2, last_error = NULL, last_attempt_at = $3, delivered_at = $3, next_attempt_at = NULL
           WHERE id = $1 RETURNING webhook_id)
         UPDATE webhooks SET failure_count = 0 WHERE id IN (SELECT webhook_id FROM d)`,
        [id, a.status, a.at],
      );
    },
    async retry(id, a, nextAt) {
      await q.query('UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = $2, last_error = $3, last_attempt_at = $4, next_attempt_at = $5 WHERE id = $1', [
        id,
        a.status,
        a.error,
        a.at,
        nextAt,
      ]);
    },
    async failed(id, a) {
      const strike = await row<{ n: number }>(
        q,
        `WITH d AS (
           UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, last_status_code = $2, last_error = $3, last_attempt_at = $4, next_attempt_at = NULL
           WHERE id = $1 RETURNING webhook_id)
         UPDATE webhooks SET failure_count = failure_count + 1 WHERE id IN (SELECT webhook_id FROM d) RETURNING failure_count AS n`,
        [id, a.status, a.error, a.at],
      );
      return strike?.n ?? 0;
    },
    async disable(webhookId, reason, at) {
      await q.query('UPDATE webhooks SET active = false, disabled_reason = $2, updated_at = $3 WHERE id = $1', [webhookId, reason, at]);
    },
  };
}
