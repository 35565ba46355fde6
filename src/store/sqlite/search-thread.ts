import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../common/errors.js';
import { openDatabase } from './connection.js';
import { createSearchReads } from './search.js';
import type { SearchRequest } from './search-pool.js';

/** A search thread (search-pool.ts): a read-only connection of its own, one query at a time. */
const port = parentPort!;
const reads = createSearchReads(openDatabase((workerData as { databasePath: string }).databasePath, { readonly: true, cacheMiB: 8 }));

port.on('message', ({ id, args }: SearchRequest) => {
  try {
    port.postMessage({ id, result: reads.rank(...args) });
  } catch (error) {
    port.postMessage({
      id,
      error: error instanceof AppError ? { code: error.code, message: error.message, extra: error.extra } : { message: (error as Error)?.message ?? String(error) },
    });
  }
});
