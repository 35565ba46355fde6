import type { DeliveryJob, DeliveryQueueRepo, DeliveryRepo, DeliveryRow, LeasedEndpoint, WebhookRepo, WebhookRow } from '../port.js';
import type { Db } from './connection.js';

const HOOK_COLUMNS = 'id, url, events, secret, active, failure_count AS failureCount, disabled_reason AS disabledReason, created_at AS createdAt, updated_at AS updatedAt';
const DELIVERY_COLUMNS = `id, webhook_id AS webhookId, event_id AS eventId, event_type AS eventType, payload, status, attempts, next_attempt_at AS nextAttemptAt,
  last_status_code AS lastStatusCode, last_error AS lastError, created_at AS createdAt, last_attempt_at AS lastAttemptAt, delivered_at AS deliveredAt`;

/** events is JSON text and active 0/1 in SQLite. */
const fromRaw = (raw: unknown): WebhookRow | undefined => {
  if (!raw) return undefined;
  const r = raw as Omit<WebhookRow, 'events' | 'active'> & { events: string; active: number };
  return { ...r, events: JSON.parse(r.events) as string[], active: r.active === 1 };
};

/** Registered endpoints (webhooks). */
export function createWebhookRepo(db: Db): WebhookRepo {
  const sqlite = db.$client;
  const byId = sqlite.prepare(`SELECT ${HOOK_COLUMNS} FROM webhooks WHERE id = ?`);
  const first = sqlite.prepare(`SELECT ${HOOK_COLUMNS} FROM webhooks ORDER BY id LIMIT ?`);
  const after = sqlite.prepare(`SELECT ${HOOK_COLUMNS} FROM webhooks WHERE id > ? ORDER BY id LIMIT ?`);
  const insert = sqlite.prepare(
    `INSERT INTO webhooks (url, events, secret, active, failure_count, created_at, updated_at) VALUES (@url, @events, @secret, 1, 0, @createdAt, @createdAt) RETURNING ${HOOK_COLUMNS}`,
  );
  const update = sqlite.prepare(
    `UPDATE webhooks SET url = coalesce(@url, url), events = coalesce(@events, events), active = coalesce(@active, active),
       failure_count = coalesce(@failureCount, failure_count),
       disabled_reason = CASE WHEN @setReason THEN @disabledReason ELSE disabled_reason END, updated_at = @updatedAt
     WHERE id = @id RETURNING ${HOOK_COLUMNS}`,
  );
  const remove = sqlite.prepare('DELETE FROM webhooks WHERE id = ?');
  return {
    byId: async (id) => fromRaw(byId.get(id)),
    page: async (at, limit) => (at ? after.all(at.id, limit) : first.all(limit)).map((r) => fromRaw(r)!),
    insert: async (values) => fromRaw(insert.get({ ...values, events: JSON.stringify(values.events) }))!,
    update: async (id, patch) =>
      fromRaw(
        update.get({
          id,
          url: patch.url ?? null,
          events: patch.events === undefined ? null : JSON.stringify(patch.events),
          active: patch.active === undefined ? null : patch.active ? 1 : 0,
          failureCount: patch.failureCount ?? null,
          setReason: patch.disabledReason === undefined ? 0 : 1,
          disabledReason: patch.disabledReason ?? null,
          updatedAt: patch.updatedAt,
        }),
      ),
    delete: async (id) => remove.run(id).changes === 1,
  };
}

/** The delivery log (webhook_deliveries), newest first. */
export function createDeliveryRepo(db: Db): DeliveryRepo {
  const sqlite = db.$client;
  const byId = sqlite.prepare(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ? AND webhook_id = ?`);
  // One statement for every page and filter: a null bound means "no such condition".
  const page = sqlite.prepare(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
     WHERE webhook_id = @webhookId AND (@status IS NULL OR status = @status) AND (@before IS NULL OR id < @before)
     ORDER BY id DESC LIMIT @limit`,
  );
  const redeliver = sqlite.prepare(
    `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status, attempts, next_attempt_at, created_at)
     SELECT webhook_id, event_id, event_type, payload, 'pending', 0, @at, @at FROM webhook_deliveries WHERE id = @id AND webhook_id = @webhookId
     RETURNING ${DELIVERY_COLUMNS}`,
  );
  return {
    byId: async (webhookId, deliveryId) => byId.get(deliveryId, webhookId) as DeliveryRow | undefined,
    page: async (webhookId, filter, at, limit) => page.all({ webhookId, status: filter.status ?? null, before: at?.id ?? null, limit }) as DeliveryRow[],
    redeliver: async (webhookId, deliveryId, at) => redeliver.get({ webhookId, id: deliveryId, at }) as DeliveryRow | undefined,
  };
}

/**
 * The worker's queue (see DeliveryQueueRepo in the port). On SQLite the unit of work already
 * serialises writers, so leasing is the plain statements in one unit; the lease columns still
 * make it hold across processes and a dead worker's lease still runs out.
 */
export function createDeliveryQueueRepo(db: Db): DeliveryQueueRepo {
  const sqlite = db.$client;
  // An endpoint is due when its oldest pending delivery is: a later event never overtakes it.
  const lease = sqlite.prepare(
    `UPDATE webhooks SET lease_owner = @owner, lease_until = @until WHERE id IN (
       SELECT w.id FROM webhooks w
       JOIN webhook_deliveries d ON d.id = (SELECT min(p.id) FROM webhook_deliveries p WHERE p.webhook_id = w.id AND p.status = 'pending')
       WHERE w.active = 1 AND (w.lease_until IS NULL OR w.lease_until <= @now) AND d.next_attempt_at <= @now
       ORDER BY d.next_attempt_at, d.id LIMIT @endpoints)
     RETURNING id AS webhookId, url, secret`,
  );
  const jobs = sqlite.prepare(
    `SELECT id, event_id AS eventId, payload, attempts, next_attempt_at AS nextAttemptAt FROM webhook_deliveries
     WHERE webhook_id = ? AND status = 'pending' ORDER BY id LIMIT ?`,
  );
  const renew = sqlite.prepare('UPDATE webhooks SET lease_until = ? WHERE id = ? AND lease_owner = ?');
  const release = sqlite.prepare('UPDATE webhooks SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?');
  const releaseOthers = sqlite.prepare(
    'UPDATE webhooks SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL AND lease_owner NOT IN (SELECT value FROM json_each(?))',
  );
  const succeeded = sqlite.prepare(
    `UPDATE webhook_deliveries SET status = 'succeeded', attempts = attempts + 1, last_status_code = @status, last_error = NULL, last_attempt_at = @at, delivered_at = @at, next_attempt_at = NULL
     WHERE id = @id RETURNING webhook_id`,
  ).pluck();
  const healthy = sqlite.prepare('UPDATE webhooks SET failure_count = 0 WHERE id = ?');
  const retry = sqlite.prepare(
    'UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = @status, last_error = @error, last_attempt_at = @at, next_attempt_at = @nextAt WHERE id = @id',
  );
  const failed = sqlite.prepare(
    `UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, last_status_code = @status, last_error = @error, last_attempt_at = @at, next_attempt_at = NULL
     WHERE id = @id RETURNING webhook_id`,
  ).pluck();
  const strike = sqlite.prepare('UPDATE webhooks SET failure_count = failure_count + 1 WHERE id = ? RETURNING failure_count').pluck();
  const disable = sqlite.prepare('UPDATE webhooks SET active = 0, disabled_reason = ?, updated_at = ? WHERE id = ?');
  /** The owners that leased through this store: on SQLite (one server per file) the only live ones. */
  const owners = new Set<string>();

  return {
    async lease(owner, now, until, limits) {
      owners.add(owner);
      const leased = lease.all({ owner, now, until, endpoints: limits.endpoints }) as Omit<LeasedEndpoint, 'jobs'>[];
      return leased.map((e) => ({ ...e, jobs: jobs.all(e.webhookId, limits.batch) as DeliveryJob[] }));
    },
    renew: async (webhookId, owner, until) => renew.run(until, webhookId, owner).changes === 1,
    release: async (webhookId, owner) => void release.run(webhookId, owner),
    recover: async () => releaseOthers.run(JSON.stringify([...owners])).changes,
    async succeeded(id, a) {
      const webhookId = succeeded.get({ id, status: a.status, at: a.at }) as number | undefined;
      if (webhookId !== undefined) healthy.run(webhookId);
    },
    retry: async (id, a, nextAt) => void retry.run({ id, status: a.status, error: a.error, at: a.at, nextAt }),
    async failed(id, a) {
      const webhookId = failed.get({ id, status: a.status, error: a.error, at: a.at }) as number | undefined;
      return webhookId === undefined ? 0 : (strike.get(webhookId) as number);
    },
    disable: async (webhookId, reason, at) => void disable.run(reason, at, webhookId),
  };
}
