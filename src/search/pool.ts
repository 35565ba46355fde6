import type { Worker } from 'node:worker_threads';
import type { Viewer } from '../articles/visibility.js';
import { AppError, type ErrorCode, type ErrorExtra } from '../common/errors.js';
import { spawnWorker } from '../common/spawn.js';
import type { SearchParams, SearchResult } from './store.js';
import type { SearchRequest } from './thread.js';

type Reply = { id: number; result?: SearchResult; error?: { code?: ErrorCode; message: string; extra?: ErrorExtra } };
type Waiter = { resolve: (r: SearchResult) => void; reject: (e: unknown) => void };

export type SearchPoolOptions = { threads: number; maxWaiting: number; retryAfterS: number };

/**
 * Uncached searches, answered on worker threads with read-only connections of their own: a
 * query that ranks most of the archive (a single common character) costs the request loop
 * nothing. At most `threads` run at once and `maxWaiting` wait; past that a search is refused at
 * once with 503 `search-busy` and Retry-After, so that a flood of distinct queries from anyone
 * queues neither the server nor the other searches behind it.
 */
export function createSearchPool(databasePath: string, opts: SearchPoolOptions) {
  const workers: Worker[] = [];
  const waiting = new Map<number, Waiter>();
  const busy = new Map<Worker, number>();
  const queue: { request: SearchRequest; waiter: Waiter }[] = [];
  let seq = 0;

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
      const worker = spawnWorker(import.meta.url, 'thread', { databasePath });
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
    search(params: SearchParams, viewer: Viewer): Promise<SearchResult> {
      if (workers.length === 0) start();
      const running = [...busy.values()].filter(Boolean).length;
      if (running >= workers.length && queue.length >= opts.maxWaiting) {
        const retry = String(opts.retryAfterS);
        return Promise.reject(new AppError('search-busy', `Too many searches are running; try again in ${retry} s`, { headers: { 'retry-after': retry } }));
      }
      return new Promise((resolve, reject) => {
        queue.push({ request: { id: ++seq, params, viewer }, waiter: { resolve, reject } });
        dispatch();
      });
    },
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
    },
  };
}

export type SearchPool = ReturnType<typeof createSearchPool>;
