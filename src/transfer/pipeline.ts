import type { PreparedBatch } from './prepare.js';

/**
 * The batches of an import, written one at a time in the order they were read, each as soon as it
 * is prepared, while the reading goes on: a batch is committed once it is full and ready, not when
 * a later line arrives (a slow client sees its batches committed as they fill). The reader waits
 * while more than `depth` batches wait to be written, so memory holds at most depth + 1 of them.
 * The first failure of a write (or of a preparation) stops the writes and is thrown to the reader.
 */
export function createWriteQueue(write: (batch: PreparedBatch) => Promise<void>, depth: number) {
  const queue: Promise<PreparedBatch>[] = [];
  let failure: { error: unknown } | null = null;
  let running: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  const signal = () => {
    wake?.();
    wake = null;
  };

  async function run(): Promise<void> {
    try {
      while (queue.length > 0 && !failure) {
        const batch = await queue[0]!;
        queue.shift();
        await write(batch);
        signal();
      }
    } catch (error) {
      failure = { error };
      queue.length = 0;
      signal();
    } finally {
      running = null;
    }
  }

  const check = () => {
    if (failure) throw failure.error;
  };

  return {
    /** Queues a batch being prepared; resolves when the reader may go on. */
    async add(batch: Promise<PreparedBatch>): Promise<void> {
      check();
      // Awaited in turn by run(); this keeps a failure from going unhandled if the import stops first.
      batch.catch(() => {});
      queue.push(batch);
      running ??= run();
      while (queue.length > depth && !failure) await new Promise<void>((resolve) => (wake = resolve));
      check();
    },
    /** Resolves once every queued batch is written. */
    async drain(): Promise<void> {
      while (running) await running;
      check();
    },
  };
}
