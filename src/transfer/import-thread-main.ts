import type { Worker } from 'node:worker_threads';
import { AppError } from '../common/errors.js';
import type { ImportOptions, ResultSink } from './import.js';
import type { FromThread, ThreadInput, ToThread } from './import-thread.js';
import type { ImportTotalsDto } from './schemas.js';
import { spawnWorker } from '../common/spawn.js';
import type { ThreadTarget } from '../store/port.js';

/** Chunks of the body sent ahead of the thread's reading: enough to keep it busy, few enough to bound memory. */
const AHEAD = 8;

const errorOf = (e: Extract<FromThread, { type: 'error' }>['error']) =>
  e.code !== undefined ? new AppError(e.code, e.message, e.extra ?? {}) : Object.assign(new Error(e.message), { stack: e.stack });

/**
 * Runs an import on a worker thread with its own connection to the database (import-thread.ts):
 * parsing, sanitising, segmenting and the batches' transactions (a batch of 500 articles holds a
 * thread for most of a second) never hold up this thread, which only passes the body's chunks on,
 * at most AHEAD of the thread's reading, and hands the results to `sink`. The caches of this
 * thread see the thread's commits at once (SQLite's data version, Store.contentGeneration).
 */
export async function runImportInThread(target: ThreadTarget, body: AsyncIterable<Buffer | string>, opts: ImportOptions, sink: ResultSink): Promise<ImportTotalsDto> {
  const { stop, ...rest } = opts;
  const input: ThreadInput = { target, opts: rest };
  const worker: Worker = spawnWorker(import.meta.url, 'import-thread', input);
  const send = (m: ToThread) => worker.postMessage(m);
  let credit = AHEAD;
  let settled = false;
  let wake: (() => void) | null = null;
  const resume = () => {
    wake?.();
    wake = null;
  };
  const onStop = () => send({ type: 'stop' });
  if (stop?.aborted) onStop();
  stop?.addEventListener('abort', onStop, { once: true });

  const result = new Promise<ImportTotalsDto>((resolve, reject) => {
    worker.on('message', (m: FromThread) => {
      if (m.type === 'pull') credit++;
      else if (m.type === 'results') sink(m.results);
      else if (m.type === 'done') resolve(m.totals);
      else reject(errorOf(m.error));
      resume();
    });
    worker.on('error', reject);
    worker.on('exit', () => reject(new Error('the import thread stopped before it answered')));
  }).finally(() => {
    settled = true;
    resume();
  });

  async function pump(): Promise<void> {
    // The iterator is driven by hand: leaving the loop early (the thread stopped reading) must not destroy the request, whose answer is still to be sent.
    const it = body[Symbol.asyncIterator]();
    try {
      for (;;) {
        while (credit <= 0 && !settled) await new Promise<void>((r) => (wake = r));
        if (settled) return;
        const next = await it.next();
        if (next.done) break;
        credit--;
        send({ type: 'chunk', chunk: typeof next.value === 'string' ? Buffer.from(next.value) : next.value });
      }
      send({ type: 'end', complete: (body as { complete?: boolean }).complete !== false });
    } catch (error) {
      if (!settled) send({ type: 'abort', code: (error as { code?: string }).code, message: (error as Error).message });
    }
  }

  void pump();
  try {
    return await result;
  } finally {
    stop?.removeEventListener('abort', onStop);
    await worker.terminate();
  }
}
