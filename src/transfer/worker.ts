import { parentPort } from 'node:worker_threads';
import type { RawLine } from './lines.js';
import { prepareBatch } from './prepare.js';

/** A worker thread of an import (pool.ts): prepares the batches it is sent, one at a time, in order. */
export type PrepareRequest = { id: number; raws: RawLine[] };

parentPort!.on('message', ({ id, raws }: PrepareRequest) => {
  parentPort!.postMessage({ id, batch: prepareBatch(raws) });
});
