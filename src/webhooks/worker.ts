import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../common/errors.js';
import type { Clock } from '../common/time.js';
import type { Db } from '../store/sqlite/connection.js';
import { isBusy, withoutWaiting } from '../store/sqlite/no-wait.js';
import type { Resolver } from './guard.js';
import { deliver, type Outcome } from './send.js';

export type WorkerOptions = {
  allowPrivate: boolean;
  timeoutMs: number;
  maxAttempts: number;
  /** Deliveries that failed for good in a row before the endpoint is disabled. */
  disableAfter: number;
  pollMs: number;
  /** Writes due scheduled publications to the feed and outbox (ChangeRecorder.publishDue). */
  publishDue: () => Promise<number>;
  log: FastifyBaseLogger;
  resolve?: Resolver;
  random?: () => number;
};

/** Waits after the 1st, 2nd … failed attempt; the last one repeats. ±20 % jitter spreads retries of a burst. */
export const BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000];
const BATCH = 20;

type Due = { id: number; eventId: string; payload: string; attempts: number; webhookId: number; url: string; secret: string };

/**
 * The in-process delivery worker. Scheduling uses the injected clock (tests move it); the
 * signature's timestamp uses the wall clock (receivers check it against theirs). A claimed
 * delivery is leased (its next attempt pushed past the timeout) before the call, so a crash
 * mid-call means a retry, never a loss.
 */
export function createWebhookWorker(db: Db, clock: Clock, opts: WorkerOptions) {
  const sqlite = db.$client;
  const dueStmt = sqlite.prepare(
    `SELECT d.id, d.event_id AS eventId, d.payload, d.attempts, w.id AS webhookId, w.url, w.secret
     FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
     WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND w.active = 1
     ORDER BY d.next_attempt_at, d.id LIMIT ?`,
  );
  const lease = sqlite.prepare('UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?');
  const succeeded = sqlite.prepare(
    `UPDATE webhook_deliveries SET status = 'succeeded', attempts = attempts + 1, last_status_code = ?, last_error = NULL, last_attempt_at = ?, delivered_at = ?, next_attempt_at = NULL WHERE id = ?`,
  );
  const retry = sqlite.prepare(
    'UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = ?, last_error = ?, last_attempt_at = ?, next_attempt_at = ? WHERE id = ?',
  );
  const failed = sqlite.prepare(
    `UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, last_status_code = ?, last_error = ?, last_attempt_at = ?, next_attempt_at = NULL WHERE id = ?`,
  );
  // Leases of a process that died (kill -9) before it called: never attempted (attempts = 0), yet
  // not due for another timeout + 60 s. Only one worker serves a database, so at its start every
  // such lease is a dead one; the events are due again at once, in their place in the order.
  const releaseDead = sqlite.prepare(
    `UPDATE webhook_deliveries SET next_attempt_at = created_at WHERE status = 'pending' AND attempts = 0 AND next_attempt_at > ?`,
  );
  const healthy = sqlite.prepare('UPDATE webhooks SET failure_count = 0 WHERE id = ?');
  const strike = sqlite.prepare('UPDATE webhooks SET failure_count = failure_count + 1 WHERE id = ? RETURNING failure_count AS n');
  const disable = sqlite.prepare('UPDATE webhooks SET active = 0, disabled_reason = ?, updated_at = ? WHERE id = ?');
  const random = opts.random ?? Math.random;

  const claim = (): Due[] =>
    db.transaction(() => {
      const now = clock();
      const rows = dueStmt.all(now, BATCH) as Due[];
      for (const r of rows) lease.run(now + opts.timeoutMs + 60_000, r.id);
      return rows;
    });

  const backoff = (attempts: number) => Math.round(BACKOFF_MS[Math.min(attempts, BACKOFF_MS.length) - 1]! * (0.8 + 0.4 * random()));

  function writeOutcome(d: Due, outcome: Outcome) {
    db.transaction(() => {
      const now = clock();
      if (outcome.ok) {
        succeeded.run(outcome.status, now, now, d.id);
        healthy.run(d.webhookId);
        return;
      }
      const attempts = d.attempts + 1;
      if (attempts < opts.maxAttempts) return void retry.run(outcome.status, outcome.error, now, now + backoff(attempts), d.id);
      failed.run(outcome.status, outcome.error, now, d.id);
      const { n } = strike.get(d.webhookId) as { n: number };
      if (n >= opts.disableAfter) {
        disable.run(`Disabled after ${n} failed deliveries in a row; the last: ${outcome.error ?? 'unknown error'}`, now, d.webhookId);
        opts.log.warn({ webhookId: d.webhookId }, 'webhook disabled after repeated failures');
      }
    });
  }

  /**
   * Records an attempt without ever waiting inside SQLite on the request loop (see no-wait.ts): while
   * an import's thread holds the write lock, it tries again a little later. If it never gets in,
   * the lease runs out and the event is sent again (at least once, never lost).
   */
  async function record(d: Due, outcome: Outcome) {
    for (let tries = 0; ; tries++) {
      try {
        return withoutWaiting(sqlite, () => writeOutcome(d, outcome));
      } catch (error) {
        if (!isBusy(error) || tries >= 60) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(25 * 2 ** tries, 1000)));
    }
  }

  /** One endpoint's due deliveries, one at a time in event order; after a failure the rest wait for the next pass. */
  async function sendInOrder(list: Due[], counts: { delivered: number; failed: number }) {
    for (const [i, d] of list.entries()) {
      const outcome = await deliver({ url: d.url, secret: d.secret, id: d.eventId, body: d.payload }, { allowPrivate: opts.allowPrivate, timeoutMs: opts.timeoutMs, resolve: opts.resolve });
      await record(d, outcome);
      if (outcome.ok) counts.delivered++;
      else {
        counts.failed++;
        const now = clock();
        try {
          withoutWaiting(sqlite, () => list.slice(i + 1).forEach((rest) => lease.run(now, rest.id)));
        } catch (error) {
          // Still leased: they go out once the lease runs out.
          if (!isBusy(error)) throw error;
        }
        return;
      }
    }
  }

  /** Due publications written and deliveries claimed, or nothing this pass if another connection holds the write lock. */
  async function claimDue(): Promise<Due[]> {
    try {
      await opts.publishDue();
      return withoutWaiting(sqlite, claim);
    } catch (error) {
      if (isBusy(error) || (error instanceof AppError && error.code === 'database-busy')) return [];
      throw error;
    }
  }

  async function tick(): Promise<{ delivered: number; failed: number }> {
    const byEndpoint = new Map<number, Due[]>();
    for (const d of await claimDue()) byEndpoint.set(d.webhookId, [...(byEndpoint.get(d.webhookId) ?? []), d]);
    const counts = { delivered: 0, failed: 0 };
    // Endpoints in parallel, so that a slow one does not hold up the others.
    await Promise.all([...byEndpoint.values()].map((list) => sendInOrder(list, counts)));
    return counts;
  }

  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;

  /** One pass: due publications, then one batch of due deliveries. Runs never overlap. */
  function runOnce(): Promise<{ delivered: number; failed: number }> {
    const run = chain.then(tick);
    chain = run.catch(() => undefined);
    return run;
  }

  return {
    runOnce,
    start() {
      if (timer) return;
      const released = releaseDead.run(clock()).changes;
      if (released > 0) opts.log.info({ released }, 'webhooks: released the deliveries a stopped process had claimed but not attempted');
      timer = setInterval(() => void runOnce().catch((err: unknown) => opts.log.error({ err }, 'webhooks worker pass failed')), opts.pollMs);
      timer.unref();
    },
    /** Stops polling and waits for the pass in progress (its calls end within the timeout). */
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await chain;
    },
  };
}

export type WebhookWorker = ReturnType<typeof createWebhookWorker>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The webhooks worker: started with the app when config.webhooks.worker is on; tests call runOnce(). */
    webhooks: WebhookWorker;
  }
}
