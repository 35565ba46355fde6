import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker thread whose module is `name` beside the calling module (`import.meta.url`):
 * name.ts under tsx (tests, `npm start`), name.js in dist/. A worker thread does not inherit
 * tsx's module hooks from `--import tsx` (Node 20), so under tsx the thread registers them
 * itself before loading the .ts file. From dist/ no hook is needed.
 */
export function spawnWorker(besides: string, name: string, workerData?: unknown): Worker {
  const url = new URL(`./${name}${extname(fileURLToPath(besides))}`, besides);
  return url.pathname.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true, workerData })
    : new Worker(url, { workerData });
}
