import type pg from 'pg';
import type { ReplicaStatus } from '../port.js';
import { isConnectionLost } from './constraints.js';

export type ReplicaOptions = {
  /** How far behind the primary (ms) the replica may be and still answer readers (default 2000). */
  maxLagMs?: number;
  /** How often the distance is measured (default: a quarter of maxLagMs, at most every 500 ms). */
  pollMs?: number;
  now?: () => number;
};

/** A WAL position as PostgreSQL prints it ('16/B374D848'), as a number that orders as the positions do. */
export function lsnOf(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/** The most positions of the primary waiting to be replayed that are kept; dropping the oldest only makes the bound more cautious. */
const MAX_PENDING = 1000;

/**
 * How far a replica is behind its primary, at most. Each measurement reads the primary's WAL
 * position first (pg_current_wal_lsn), at time t. Once the replica has replayed past it
 * (pg_last_wal_replay_lsn), the replica holds every transaction the primary had committed at t,
 * so it is at most now − t behind. That bound is what counts, not the time of the replica's last
 * replayed transaction, which grows while the primary is idle; and it grows by itself between
 * measurements, so a replica that stops answering, or a measurement that hangs, falls behind
 * without anyone noticing it first.
 */
export function createLagMeter(now: () => number) {
  const pending: { at: number; lsn: bigint }[] = [];
  let currentAt: number | null = null;
  return {
    /** The primary's WAL position, read at `at`. */
    primaryAt(at: number, lsn: bigint): void {
      pending.push({ at, lsn });
      if (pending.length > MAX_PENDING) pending.splice(0, pending.length - MAX_PENDING);
    },
    /** How far the replica has replayed. */
    replayed(lsn: bigint): void {
      while (pending.length > 0 && pending[0]!.lsn <= lsn) currentAt = pending.shift()!.at;
    },
    /** At most this far behind (ms); null until the replica was once seen to have replayed a measured position. */
    lagMs: (): number | null => (currentAt === null ? null : Math.max(0, now() - currentAt)),
  };
}

const firstLine = (error: unknown) => String((error as Error)?.message || (error as { code?: string })?.code || error).split('\n')[0];

/**
 * Watches a streaming replica of `primary`: whether it answers, whether it is a standby of this
 * primary (same system identifier, in recovery), and how far behind it is (createLagMeter).
 * `serving()` is true while all three hold, checked at each call; `lost()` is for the replica's
 * readers to say at once that it stopped answering, before the next measurement would.
 */
export function watchReplica(primary: pg.Pool, replica: pg.Pool, { maxLagMs = 2000, pollMs = Math.min(500, Math.max(10, Math.floor(maxLagMs / 4))), now = Date.now }: ReplicaOptions = {}) {
  const meter = createLagMeter(now);
  let problem: string | null = 'not measured yet';
  let primaryId: string | null = null;
  let wasServing = false;
  const listeners: ((status: ReplicaStatus) => void)[] = [];

  function status(): ReplicaStatus {
    const lagMs = meter.lagMs();
    if (problem !== null) return { serving: false, lagMs, reason: problem };
    if (lagMs === null) return { serving: false, lagMs, reason: 'not seen current yet' };
    if (lagMs > maxLagMs) return { serving: false, lagMs, reason: `more than ${maxLagMs} ms behind the primary` };
    return { serving: true, lagMs, reason: null };
  }

  /** Tells the listeners when serving turned (by a measurement, or by time alone: checked at each call). */
  function serving(): boolean {
    const current = status();
    if (current.serving !== wasServing) {
      wasServing = current.serving;
      for (const listener of listeners) listener(current);
    }
    return current.serving;
  }

  async function measure(): Promise<void> {
    const at = now();
    try {
      const { rows } = await primary.query<{ lsn: string; id: string }>('SELECT pg_current_wal_lsn()::text AS lsn, (SELECT system_identifier::text FROM pg_control_system()) AS id');
      meter.primaryAt(at, lsnOf(rows[0]!.lsn));
      primaryId = rows[0]!.id;
    } catch {
      // The primary's own trouble is answered by the primary's reads; this measurement has nothing to compare with.
      return;
    }
    try {
      const { rows } = await replica.query<{ standby: boolean; lsn: string | null; id: string }>(
        'SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS lsn, (SELECT system_identifier::text FROM pg_control_system()) AS id',
      );
      const row = rows[0]!;
      if (row.id !== primaryId) problem = 'not a replica of this primary (another system identifier)';
      else if (!row.standby || row.lsn === null) problem = 'not a standby (pg_is_in_recovery() is false: promoted, or the primary itself)';
      else {
        problem = null;
        meter.replayed(lsnOf(row.lsn));
      }
    } catch (error) {
      problem = `does not answer (${firstLine(error)})`;
    }
  }

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return; // a measurement that hangs is not stacked upon; the bound grows meanwhile
    running = measure().finally(() => {
      running = null;
      serving();
    });
  };

  return {
    /** Measures once (start-up waits for it, so that the first readers may already go to the replica), then every pollMs. */
    async start(): Promise<void> {
      await measure();
      serving();
      timer = setInterval(tick, pollMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
    /** One measurement now (between the timer's). */
    measure: async (): Promise<void> => {
      await measure();
      serving();
    },
    serving,
    status,
    onChange: (listener: (status: ReplicaStatus) => void) => void listeners.push(listener),
    /** A read of the replica failed: when the replica stopped answering, readers go to the primary from now on. */
    failed(error: unknown): void {
      if (!isConnectionLost(error)) return;
      problem = `does not answer (${firstLine(error)})`;
      serving();
    },
  };
}

export type ReplicaWatch = ReturnType<typeof watchReplica>;
