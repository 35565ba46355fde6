import { AppError } from '../common/errors.js';
import type { IntegrityOutcome, IntegrityStatus, IntegrityWatch } from './port.js';

/** What an adapter's quick check reports as it goes: how many objects there are, then each one (or `objects` of them) checked, with the damage found. */
export type QuickCheckProgress = { total(n: number): void; checked(damage: string[], objects?: number): void };

/**
 * An adapter's quick check: resolves when every object has been checked (the damage came through
 * `progress`), rejects when the check could not finish (the message says why, for `reason`).
 * `signal` aborts when the store closes.
 */
export type QuickCheck = (progress: QuickCheckProgress, signal: AbortSignal) => Promise<void>;

/** The damage lines the 503 detail names before "and N more". */
const NAMED = 3;

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * The state of a store's quick check, one for both adapters: `run` is the adapter's check (null
 * where there is none to run: an in-memory database, `offReason` says so); `repair` ends the 503
 * detail with what an operator does about damage. The damage is kept: once found it fails
 * readiness until the server restarts on a repaired database.
 */
export function createIntegrityWatch(run: QuickCheck | null, { repair, offReason }: { repair: string; offReason: string }): IntegrityWatch {
  let status: IntegrityStatus = { state: 'off', checked: 0, total: null, tookMs: null, reason: 'not started (DATABASE_STARTUP_CHECK=off)' };
  const damage: string[] = [];
  let damaged: AppError | null = null;
  const damageMessage = () =>
    `The start-up check found damage: ${damage.slice(0, NAMED).join('; ')}${damage.length > NAMED ? `, and ${damage.length - NAMED} more` : ''}. ${repair}`;
  let running: Promise<IntegrityOutcome> | null = null;
  const abort = new AbortController();

  async function check(quick: QuickCheck): Promise<IntegrityOutcome> {
    const started = performance.now();
    status = { state: 'checking', checked: 0, total: null, tookMs: null, reason: null };
    const progress: QuickCheckProgress = {
      total: (n) => void (status = { ...status, total: n }),
      // Readiness fails from the first damage found, not only once the whole check has ended.
      checked: (found, objects = 1) => {
        damage.push(...found);
        if (found.length > 0) damaged = new AppError('database-damaged', damageMessage());
        status = { ...status, checked: status.checked + objects };
      },
    };
    let failure: string | null = null;
    try {
      await quick(progress, abort.signal);
    } catch (error) {
      failure = abort.signal.aborted ? 'the store was closed before the check ended' : ((error as Error)?.message ?? String(error));
    }
    const tookMs = Math.round(performance.now() - started);
    const took = tookMs < 1000 ? `${tookMs} ms` : `${(tookMs / 1000).toFixed(1)} s`;
    const done = `${plural(status.checked, 'object')}${status.total === null ? '' : ` of ${status.total}`} checked in ${took}`;
    if (damage.length > 0) {
      status = { ...status, state: 'incomplete', tookMs, reason: 'damage found' };
      return { state: 'damaged', message: `${damageMessage()} (${done}${failure === null ? '' : `; then it stopped: ${failure}`})` };
    }
    if (failure !== null) {
      status = { ...status, state: 'incomplete', tookMs, reason: `the check could not finish: ${failure}` };
      return { state: 'incomplete', message: `start-up integrity check incomplete (${done}): ${failure}` };
    }
    status = { ...status, state: 'ok', tookMs };
    return { state: 'ok', message: `start-up integrity check: ok, ${done}` };
  }

  return {
    start() {
      if (!run) status = { ...status, reason: offReason };
      running ??= run ? check(run) : Promise.resolve({ state: 'off', message: `start-up integrity check off: ${offReason}` });
      return running;
    },
    sound() {
      if (damaged) throw damaged;
      return status;
    },
    async stop() {
      abort.abort();
      await running;
    },
  };
}
