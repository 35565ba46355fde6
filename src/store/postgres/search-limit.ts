import { AppError } from '../../common/errors.js';
import type { SearchRepo } from '../port.js';

export type SearchLimit = {
  /** Rankings that may run at once on this node (each holds a pool connection while it runs). */
  running: number;
  /** Rankings that may wait for one of those; past that, the 503 `search-busy`. */
  maxWaiting: number;
  /** The Retry-After of that 503, in seconds. */
  retryAfterS: number;
};

/**
 * The pool's share for rankings: half its connections, so that a flood of distinct searches
 * (each a statement that may take up to the statement timeout on GIN) leaves the other half to
 * writes, reads by id and the cache checks; twice as many may wait. As the SQLite adapter's
 * search threads do (src/store/sqlite/search-pool.ts), past that a search is refused at once.
 */
export const searchLimitFor = (poolSize: number): SearchLimit => {
  const running = Math.max(1, Math.floor(poolSize / 2));
  return { running, maxWaiting: running * 2, retryAfterS: 1 };
};

/** `repo` with its rankings bounded by `limit`; the details reads (one indexed read per page) are not. */
export function limitSearches(repo: SearchRepo, limit: SearchLimit): SearchRepo {
  let running = 0;
  const queue: (() => void)[] = [];
  const turn = (): Promise<void> => {
    if (running < limit.running) {
      running++;
      return Promise.resolve();
    }
    if (queue.length >= limit.maxWaiting) {
      const retry = String(limit.retryAfterS);
      return Promise.reject(new AppError('search-busy', `Too many searches are running; try again in ${retry} s`, { headers: { 'retry-after': retry } }));
    }
    // The one releasing hands its place over: `running` stays as it is.
    return new Promise((resolve) => queue.push(() => resolve()));
  };
  const handOver = () => {
    const next = queue.shift();
    if (next) next();
    else running--;
  };
  return {
    async rank(...args) {
      await turn();
      try {
        return await repo.rank(...args);
      } finally {
        handOver();
      }
    },
    details: (ids) => repo.details(ids),
  };
}
