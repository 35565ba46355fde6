import type pg from 'pg';
import { isConnectionLost, isRetryable, translatePgError } from './constraints.js';

/** What a unit of work collects while it runs: hooks for after its commit, and whether it changed content. */
export type UnitState = { hooks: (() => void)[]; content: boolean };

export type UnitOptions = {
  /** false: a row lock another transaction holds fails the unit at once (503 database-busy) instead of waiting. */
  wait: boolean;
  /** How long a statement of the unit waits for a lock before the unit fails with the 503 (ms). */
  lockTimeoutMs: number;
  /** How many times in all a unit runs when it loses a race (serialization failure, deadlock). */
  attempts: number;
  /** Runs inside the transaction after the work, before COMMIT (the content generation's bump). */
  beforeCommit?: (client: pg.PoolClient, state: UnitState) => Promise<void>;
};

/** A wait for a lock that another writer gives up at once: long enough for a row being written, never a queue. */
const NO_WAIT_MS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` in one transaction on one connection of the pool, and commits it. Every statement of
 * the unit goes to that connection (the caller builds its repositories on `client`), so nothing of
 * another request ever enters the transaction, and other requests' statements run beside it on
 * other connections. READ COMMITTED, as PostgreSQL's default: the adapter's updates are conditional
 * on the version read (`WHERE version = $n`), which a concurrent writer's commit makes fail rather
 * than lose, and collisions fall to the unique constraints.
 *
 * A unit that loses a race (40001 serialization failure, 40P01 deadlock) is run again from the
 * start, up to `attempts` times, with a short random pause: `work` must do nothing but read and
 * write through the client (its state is rebuilt on each run, and hooks only run after the commit).
 * A connection that broke is discarded, not returned to the pool.
 */
export async function runUnit<T>(pool: pg.Pool, work: (client: pg.PoolClient, state: UnitState) => Promise<T>, options: UnitOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { result, state } = await once(pool, work, options);
      for (const hook of state.hooks) hook();
      return result;
    } catch (error) {
      if (!isRetryable(error) || attempt >= options.attempts) throw translatePgError(error);
      await sleep(2 + Math.random() * 10 * attempt);
    }
  }
}

async function once<T>(pool: pg.Pool, work: (client: pg.PoolClient, state: UnitState) => Promise<T>, options: UnitOptions): Promise<{ result: T; state: UnitState }> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // The server may end the connection while the unit awaits between statements (pg_terminate_backend,
  // a failover): the client then emits 'error' with no query to fail, which, unheard, ends the process.
  const lost = (error: Error) => void (broken = error);
  client.on('error', lost);
  const state: UnitState = { hooks: [], content: false };
  unreleased.delete(client);
  try {
    // One round trip: simple protocol takes several statements when there are no parameters.
    await client.query(`BEGIN; SET LOCAL lock_timeout = ${options.wait ? Math.max(1, Math.round(options.lockTimeoutMs)) : NO_WAIT_MS}`);
    const result = await work(client, state);
    await options.beforeCommit?.(client, state);
    const done = await client.query('COMMIT');
    // COMMIT of a transaction an earlier statement aborted (an error the work caught) answers ROLLBACK, not an error.
    if (done.command === 'ROLLBACK') throw new Error('The unit of work was rolled back: one of its statements failed and the error was caught');
    return { result, state };
  } catch (error) {
    if (isConnectionLost(error)) broken = error as Error;
    else await client.query('ROLLBACK').catch((e: Error) => void (broken = e));
    throw error;
  } finally {
    unreleased.delete(client);
    client.removeListener('error', lost);
    client.release(broken);
  }
}

let savepoints = 0;

/**
 * Per connection, the savepoint whose work is done and whose RELEASE is not sent yet. It goes with
 * the next SAVEPOINT, in the same round trip (an import runs a savepoint per line, one after
 * another: a round trip saved per line). Until then the statements that follow run inside it,
 * which changes nothing: a release merges it into its parent, a rollback of its parent takes it
 * with it, and COMMIT releases whatever is still open. RELEASE of a savepoint releases those made
 * after it, and a rollback to a savepoint destroys them: either way the one waiting is forgotten.
 */
const unreleased = new WeakMap<pg.PoolClient, string>();

/**
 * Runs `work` under a savepoint of the unit on `client`: when it throws, what it wrote is undone
 * and the unit goes on (an import's line); its error comes back translated, but for a lost race
 * (deadlock, serialization failure), which the whole unit retries. A failed statement
 * aborts the whole transaction on PostgreSQL, which only a savepoint contains.
 */
export async function underSavepoint<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  const name = `unit_${++savepoints}`;
  const done = unreleased.get(client);
  unreleased.delete(client);
  await client.query(done ? `RELEASE SAVEPOINT ${done}; SAVEPOINT ${name}` : `SAVEPOINT ${name}`);
  try {
    const result = await work();
    unreleased.set(client, name);
    return result;
  } catch (error) {
    unreleased.delete(client);
    if (!isConnectionLost(error)) await client.query(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
    // A race lost stays PostgreSQL's error, so that it reaches runUnit, which runs the whole unit again.
    throw isRetryable(error) ? error : translatePgError(error);
  }
}
