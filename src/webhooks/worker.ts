import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../common/errors.js';
import type { Clock } from '../common/time.js';
import type { DeliveryJob, LeasedEndpoint, Store, Tx } from '../store/port.js';
import type { Resolver } from './guard.js';
import { deliver, type Outcome } from './send.js';

export type WorkerOptions = {
  allowPrivate: boolean;
  timeoutMs: number;
  maxAttempts: number;
  /** Deliveries that failed for good in a row before the endpoint is disabled. */
  disableAfter: number;
  pollMs: number;
  /**
   * How long an endpoint stays with the worker that leased it without a sign of life (every
   * attempt recorded renews it): a node that dies mid-delivery holds its endpoints this long, then
   * another node's worker takes them and sends the event again. Longer than one call's timeout.
   */
  leaseMs: number;
  /** Writes due scheduled publications to the feed and outbox (ChangeRecorder.publishDue). */
  publishDue: () => Promise<number>;
  log: FastifyBaseLogger;
  resolve?: Resolver;
  random?: () => number;
};

/** Waits after the 1st, 2nd … failed attempt; the last one repeats. ±20 % jitter spreads retries of a burst. */
export const BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000];
/** Endpoints leased per pass, and deliveries sent to each in one lease. */
const ENDPOINTS = 10;
const BATCH = 20;

type Counts = { delivered: number; failed: number };

const isBusy = (error: unknown) => error instanceof AppError && error.code === 'database-busy';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The in-process delivery worker. Each pass leases due endpoints (DeliveryQueueRepo in the port)
 * and sends each one's events in order, so several workers — several API nodes — deliver each
 * event once and in order per endpoint. The lease lasts `leaseMs` (WEBHOOK_LEASE_MS, a minute past
 * the timeout by default) and is renewed with every attempt recorded, so a worker that dies
 * mid-call delays its endpoints by one lease and its event is sent again: at least once, never lost. Scheduling uses the injected
 * clock (tests move it); the signature's timestamp uses the wall clock (receivers check it).
 */
export function createWebhookWorker(store: Store, clock: Clock, opts: WorkerOptions) {
  const owner = `worker_${randomBytes(8).toString('hex')}`;
  const leaseMs = Math.max(opts.leaseMs, opts.timeoutMs + 1000);
  const random = opts.random ?? Math.random;
  const backoff = (attempts: number) => Math.round(BACKOFF_MS[Math.min(attempts, BACKOFF_MS.length) - 1]! * (0.8 + 0.4 * random()));

  /** Bookkeeping never waits for another writer's lock (an import's thread): busy means "a little later". */
  async function persist<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await store.write(work, { wait: false });
      } catch (error) {
        if (!isBusy(error) || tries >= 60) throw error;
      }
      await sleep(Math.min(25 * 2 ** tries, 1000));
    }
  }

  /** Records the attempt and renews the lease; false when the lease is lost (the rest is another worker's now). */
  const record = (endpoint: LeasedEndpoint, job: DeliveryJob, outcome: Outcome): Promise<boolean> =>
    persist(async (tx) => {
      const now = clock();
      const attempt = { status: outcome.status, error: outcome.error, at: now };
      const attempts = job.attempts + 1;
      if (outcome.ok) await tx.deliveryQueue.succeeded(job.id, attempt);
      else if (attempts < opts.maxAttempts) await tx.deliveryQueue.retry(job.id, attempt, now + backoff(attempts));
      else {
        const inARow = await tx.deliveryQueue.failed(job.id, attempt);
        if (inARow >= opts.disableAfter) {
          await tx.deliveryQueue.disable(endpoint.webhookId, `Disabled after ${inARow} failed deliveries in a row; the last: ${outcome.error ?? 'unknown error'}`, now);
          tx.afterCommit(() => opts.log.warn({ webhookId: endpoint.webhookId }, 'webhook disabled after repeated failures'));
        }
      }
      return tx.deliveryQueue.renew(endpoint.webhookId, owner, now + leaseMs);
    });

  /** One endpoint's deliveries, one at a time in event order; after a failure the rest wait behind it. */
  async function serve(endpoint: LeasedEndpoint, claimedAt: number, counts: Counts) {
    try {
      for (const job of endpoint.jobs) {
        if (job.nextAttemptAt === null || job.nextAttemptAt > claimedAt) return;
        const outcome = await deliver(
          { url: endpoint.url, secret: endpoint.secret, id: job.eventId, body: job.payload },
          { allowPrivate: opts.allowPrivate, timeoutMs: opts.timeoutMs, resolve: opts.resolve },
        );
        const held = await record(endpoint, job, outcome);
        if (!outcome.ok) return void counts.failed++;
        counts.delivered++;
        if (!held) return;
      }
    } finally {
      // Free for the next pass (any worker's); if even this cannot get in, the lease runs out.
      await persist((tx) => tx.deliveryQueue.release(endpoint.webhookId, owner)).catch((err: unknown) =>
        opts.log.warn({ err, webhookId: endpoint.webhookId }, 'webhooks: could not release an endpoint; its lease runs out'),
      );
    }
  }

  /** Due publications written and endpoints leased, or nothing this pass if another connection holds the write lock. */
  async function claimDue(): Promise<{ endpoints: LeasedEndpoint[]; at: number }> {
    try {
      await opts.publishDue();
      const at = clock();
      const endpoints = await store.write((tx) => tx.deliveryQueue.lease(owner, at, at + leaseMs, { endpoints: ENDPOINTS, batch: BATCH }), { wait: false });
      return { endpoints, at };
    } catch (error) {
      if (isBusy(error)) return { endpoints: [], at: 0 };
      throw error;
    }
  }

  async function tick(): Promise<Counts> {
    const { endpoints, at } = await claimDue();
    const counts = { delivered: 0, failed: 0 };
    // Endpoints in parallel, so that a slow one does not hold up the others.
    await Promise.all(endpoints.map((endpoint) => serve(endpoint, at, counts)));
    return counts;
  }

  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  /** Passes (and the start's recovery) run one after another, never overlapping. */
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task);
    chain = run.catch(() => undefined);
    return run;
  };

  /** One pass: due publications, then the due deliveries of the endpoints it could lease. */
  const runOnce = (): Promise<Counts> => enqueue(tick);

  return {
    runOnce,
    /** Releases the leases of a process that stopped (before its next pass), then polls. */
    start(): Promise<void> {
      if (timer) return chain.then(() => undefined);
      timer = setInterval(() => void runOnce().catch((err: unknown) => opts.log.error({ err }, 'webhooks worker pass failed')), opts.pollMs);
      timer.unref();
      // The owner is what webhooks.lease_owner holds while this worker delivers to an endpoint.
      opts.log.info({ owner, leaseMs, pollMs: opts.pollMs }, 'webhooks worker started');
      return enqueue(async () => {
        const released = await persist((tx) => tx.deliveryQueue.recover());
        if (released > 0) opts.log.info({ released }, 'webhooks: released the endpoints a stopped process had leased');
      }).catch((err: unknown) => opts.log.warn({ err }, 'webhooks: could not release stopped processes’ leases; they run out'));
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
