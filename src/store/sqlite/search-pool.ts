import type { Worker } from 'node:worker_threads';
import { AppError, type ErrorCode, type ErrorExtra } from '../../common/errors.js';
import { spawnWorker } from '../../common/spawn.js';
import type { SearchRank } from '../port.js';
import type { SearchReads } from './search.js';

type RankArgs = Parameters<SearchReads['rank']>;
/** A search thread's work: one ranking (search-thread.ts). */
export type SearchRequest = { id: number; args: RankArgs };
type Reply = { id: number; result?: SearchRank[]; error?: { code?: ErrorCode; message: string; extra?: ErrorExtra } };
type Waiter = { resolve: (r: SearchRank[]) => void; reject: (e: unknown) => void };

export type SearchPoolOptions = {
  /** Search threads; 0 ranks on the request loop, on the store's reader (as for an in-memory database). */
  threads: number;
  /** Searches that may wait for a thread; past that, 503 `search-busy`. */
  maxWaiting: number;
  /** The Retry-After of that 503, in seconds. */
  retryAfterS: number;
};

/** One search thread (the server's two cores: the other serves requests); four more may wait, past that 503 with Retry-After. */
export const SEARCH_POOL: SearchPoolOptions = { threads: 1, maxWaiting: 4, retryAfterS: 1 };

/**
 * Rankings of a database file, run on worker threads with read-only connections of their own:
 * a query that ranks most of the archive (a single common character) costs the request loop
 * nothing. At most `threads` run at once and `maxWaiting` wait; past that a search is refused at
 * once with 503 `search-busy` and Retry-After, so that a flood of distinct queries from anyone
 * queues neither the server nor the other searches behind it. Threads start with the first
 * search, so that commands that never search (an import, an export) start none.
 */
export function createSearchPool(databasePath: string, opts: SearchPoolOptions) {
  const workers: Worker[] = [];
  const waiting = new Map<number, Waiter>();
  const busy = new Map<Worker, number>();
  const queue: { request: SearchRequest; waiter: Waiter }[] = [];
  let seq = 0;
  let closed = false;

  const dispatch = () => {
    for (const worker of workers) {
      if (queue.length === 0) return;
      if (busy.get(worker)) continue;
      const { request, waiter } = queue.shift()!;
      busy.set(worker, request.id);
      waiting.set(request.id, waiter);
      worker.postMessage(request);
    }
  };

  function start(): void {
    for (let i = 0; i < opts.threads; i++) {
      const worker = spawnWorker(import.meta.url, 'search-thread', { databasePath });
      worker.unref();
      worker.on('message', ({ id, result, error }: Reply) => {
        const waiter = waiting.get(id);
        waiting.delete(id);
        busy.set(worker, 0);
        if (error) waiter?.reject(error.code ? new AppError(error.code, error.message, error.extra ?? {}) : new Error(error.message));
        else waiter?.resolve(result!);
        dispatch();
      });
      worker.on('error', (err) => {
        const id = busy.get(worker);
        if (id) waiting.get(id)?.reject(err);
      });
      workers.push(worker);
    }
  }

  return {
    rank(...args: RankArgs): Promise<SearchRank[]> {
      if (closed) return Promise.reject(new Error('the store is closed'));
      if (workers.length === 0) start();
      const running = [...busy.values()].filter(Boolean).length;
      if (running >= workers.length && queue.length >= opts.maxWaiting) {
        const retry = String(opts.retryAfterS);
        return Promise.reject(new AppError('search-busy', `Too many searches are running; try again in ${retry} s`, { headers: { 'retry-after': retry } }));
      }
      return new Promise((resolve, reject) => {
        queue.push({ request: { id: ++seq, args }, waiter: { resolve, reject } });
        dispatch();
      });
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
    },
  };
}

export type SearchPool = ReturnType<typeof createSearchPool>;
