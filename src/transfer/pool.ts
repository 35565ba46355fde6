import type { Worker } from 'node:worker_threads';
import type { RawLine } from './lines.js';
import { parseBatch, type PreparedBatch } from './prepare.js';
import { spawnWorker } from '../common/spawn.js';
import type { PrepareRequest } from './worker.js';

export type Preparer = {
  /** The batch made ready (prepare.ts), on a worker thread or this one; several may be in flight. */
  prepare(raws: RawLine[]): Promise<PreparedBatch>;
  close(): Promise<void>;
};

type Waiter = { raws: RawLine[]; resolve: (batch: PreparedBatch) => void; reject: (error: unknown) => void };

/** Prepares on this thread what a failed worker was given: the import goes on, more slowly. */
function prepareHere(w: Waiter): void {
  try {
    w.resolve(parseBatch(w.raws));
  } catch (error) {
    w.reject(error);
  }
}

/**
 * Prepares an import's batches on `threads` worker threads. The threads start with the first
 * batch, which this thread only parses meanwhile (see parseBatch), as it does every batch when
 * there are no threads: an import of one batch (most API calls) never pays for starting them.
 * Batches go round the threads; each answers in order.
 */
export function createPreparer(threads: number): Preparer {
  const workers: Worker[] = [];
  const waiting = new Map<number, Waiter>();
  let seq = 0;
  let failed = false;
  let closed = false;

  const fail = () => {
    if (closed) return;
    failed = true;
    for (const w of workers) void w.terminate();
    const orphans = [...waiting.values()];
    waiting.clear();
    orphans.forEach(prepareHere);
  };

  function send(worker: Worker, raws: RawLine[]): Promise<PreparedBatch> {
    const id = ++seq;
    const request: PrepareRequest = { id, raws };
    return new Promise((resolve, reject) => {
      waiting.set(id, { raws, resolve, reject });
      worker.postMessage(request);
    });
  }

  function start(): void {
    for (let i = 0; i < threads; i++) {
      const worker = spawnWorker(import.meta.url, 'worker');
      worker.on('message', ({ id, batch }: { id: number; batch: PreparedBatch }) => {
        waiting.get(id)?.resolve(batch);
        waiting.delete(id);
      });
      worker.on('error', fail);
      worker.on('exit', (code) => code !== 0 && fail());
      workers.push(worker);
    }
  }

  return {
    async prepare(raws) {
      if (threads <= 0 || failed) return parseBatch(raws);
      if (workers.length === 0) {
        start();
        return parseBatch(raws);
      }
      return send(workers[seq % workers.length]!, raws);
    },
    async close() {
      closed = true;
      waiting.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
