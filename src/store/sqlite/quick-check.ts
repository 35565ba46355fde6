import type { QuickCheck } from '../integrity.js';
import { spawnWorker } from '../../common/spawn.js';

/** The quick check's pace: the pause between two tables (ms), the thread connection's page cache, and the thread's nice value (19 the lowest priority, 0 the request loop's). */
export type QuickCheckOptions = { pauseMs: number; cacheMiB: number; nice: number };

/** A short pause between tables; a small cache, as the check reads each page once; the lowest priority. */
export const QUICK_CHECK: QuickCheckOptions = { pauseMs: 50, cacheMiB: 2, nice: 19 };

/** What the thread is told (quick-check-thread.ts), and what it says back. */
export type QuickCheckData = QuickCheckOptions & { path: string };
export type QuickCheckMessage = { kind: 'total'; n: number } | { kind: 'checked'; damage: string[] } | { kind: 'done' } | { kind: 'failed'; message: string };

/**
 * SQLite's quick check of the file at `path`: `PRAGMA quick_check` table by table, on a worker
 * thread of low priority with a read-only connection of its own (quick-check-thread.ts), so that
 * the request loop keeps serving. It finds damaged pages and b-trees, rows out of order and
 * NOT NULL and CHECK violations; it does not compare indexes with their tables nor check the
 * search index's content: `masthead check` does (PRAGMA integrity_check).
 */
export function sqliteQuickCheck(path: string, options: QuickCheckOptions = QUICK_CHECK): QuickCheck {
  return (progress, signal) =>
    new Promise<void>((resolve, reject) => {
      const worker = spawnWorker(import.meta.url, 'quick-check-thread', { path, ...options } satisfies QuickCheckData);
      // Settled once the thread is gone, so that a closed store leaves no thread reading its file; kept
      // referenced meanwhile (a process awaiting the check stays up for it), and ended by store.close().
      let result: { error?: Error } | null = null;
      const stop = () => {
        result ??= { error: new Error('the store was closed') };
        void worker.terminate();
      };
      signal.addEventListener('abort', stop);
      worker.on('message', (message: QuickCheckMessage) => {
        if (message.kind === 'total') progress.total(message.n);
        else if (message.kind === 'checked') progress.checked(message.damage);
        else result ??= message.kind === 'failed' ? { error: new Error(message.message) } : {};
      });
      worker.on('error', (error) => void (result ??= { error: new Error(`the check's thread failed: ${error.message}`) }));
      worker.on('exit', (code) => {
        signal.removeEventListener('abort', stop);
        const { error } = result ?? { error: new Error(`the check's thread stopped (exit code ${code})`) };
        if (error) reject(error);
        else resolve();
      });
    });
}
