import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../common/time.js';
import { AppError, type ErrorCode } from '../common/errors.js';
import { openThreadStore } from '../store/open.js';
import type { ThreadTarget } from '../store/port.js';
import { createImportDeps } from './deps.js';
import { runImport, type ImportOptions } from './import.js';
import type { ImportLineResultDto, ImportTotalsDto } from './schemas.js';

/** What the thread is started with: the database (already migrated) as Store.thread names it, and the import's options. */
export type ThreadInput = { target: ThreadTarget; opts: Omit<ImportOptions, 'stop'> };
export type ToThread =
  | { type: 'chunk'; chunk: Buffer }
  | { type: 'end'; complete: boolean }
  | { type: 'abort'; code?: string; message: string }
  | { type: 'stop' };
export type FromThread =
  | { type: 'pull' }
  | { type: 'results'; results: ImportLineResultDto[] }
  | { type: 'done'; totals: ImportTotalsDto }
  | { type: 'error'; error: { code?: ErrorCode; message: string; extra?: AppError['extra']; stack?: string } };

/**
 * The body as the main thread sends it, chunk by chunk: asks for one more each time it hands one
 * on; `complete` as the request's was; an abort (the client went away) throws as the request would.
 */
function bodyFromMessages(post: (m: FromThread) => void) {
  const queue: ToThread[] = [];
  let wake: (() => void) | null = null;
  const body = {
    complete: undefined as boolean | undefined,
    push(m: ToThread) {
      queue.push(m);
      wake?.();
      wake = null;
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
      for (;;) {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        const m = queue.shift()!;
        if (m.type === 'chunk') {
          post({ type: 'pull' });
          yield Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength);
        } else if (m.type === 'end') {
          body.complete = m.complete;
          return;
        } else if (m.type === 'abort') throw Object.assign(new Error(m.message), { code: m.code });
      }
    },
  };
  return body;
}

const port = parentPort!;
const post = (m: FromThread) => port.postMessage(m);
const { target, opts } = workerData as ThreadInput;
const store = await openThreadStore(target);
const body = bodyFromMessages(post);
const stop = new AbortController();
port.on('message', (m: ToThread) => (m.type === 'stop' ? stop.abort() : body.push(m)));

runImport(createImportDeps(store, systemClock), body, { ...opts, stop: stop.signal }, (results) => post({ type: 'results', results }))
  .then(
    (totals) => post({ type: 'done', totals }),
    (error: unknown) =>
      post({
        type: 'error',
        error:
          error instanceof AppError
            ? { code: error.code, message: error.message, extra: error.extra }
            : { message: (error as Error)?.message ?? String(error), stack: (error as Error)?.stack },
      }),
  )
  .finally(async () => {
    await store.close();
    port.close();
  });
