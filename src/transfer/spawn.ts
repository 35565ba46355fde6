import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** `name`.ts beside this file under tsx (tests, `npm start`), `name`.js beside it in dist/. */
const workerUrl = (name: string) => new URL(`./${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * Starts one of this folder's worker threads. A worker thread does not inherit tsx's module hooks
 * from `--import tsx` (Node 20), so under tsx the thread registers them itself before loading the
 * .ts file. From dist/ no hook is needed.
 */
export function spawnWorker(name: string, workerData?: unknown): Worker {
  const url = workerUrl(name);
  return url.pathname.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true, workerData })
    : new Worker(url, { workerData });
}
