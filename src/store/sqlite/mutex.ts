/**
 * Runs async tasks one at a time, in the order they asked: SQLite has one writer, and a unit of
 * work that awaits must not let another unit's statements into its transaction.
 */
export function createMutex() {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const result = tail.then(task);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
