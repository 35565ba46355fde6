import { parentPort, workerData } from 'node:worker_threads';
import type { Viewer } from '../articles/visibility.js';
import { AppError } from '../common/errors.js';
import { openSearchStore, type SearchParams } from './store.js';

/** A search thread (pool.ts): a read-only connection of its own, one query at a time. */
export type SearchRequest = { id: number; params: SearchParams; viewer: Viewer };

const port = parentPort!;
const store = openSearchStore((workerData as { databasePath: string }).databasePath);

port.on('message', ({ id, params, viewer }: SearchRequest) => {
  store.search(params, viewer).then(
    (result) => port.postMessage({ id, result }),
    (error: unknown) =>
      port.postMessage({
        id,
        error: error instanceof AppError ? { code: error.code, message: error.message, extra: error.extra } : { message: (error as Error)?.message ?? String(error) },
      }),
  );
});
