/**
 * The reads a unit of work repeats, answered once per unit: an import's batch reads the same few
 * sections and sources for every line (by slug, then by id to check the reference) and the
 * webhooks outbox reads the active endpoints for every change, each a round trip of its own
 * (about a fifth of an import's statements on PostgreSQL; SQLite answers them in microseconds and
 * needs no such thing).
 *
 * A remembered answer is the unit's own view, kept exact:
 * - any other call on a repository of the same table (a write, or a read that is not remembered)
 *   forgets that table's answers, and so does any call on the other repositories that write it;
 * - a savepoint rolled back forgets everything (what was read inside it may have been its own write);
 * - each answer is handed out as a copy, so no caller can change what the next one gets.
 * Another transaction's commit between two reads is not seen by the second, as if both had been
 * one read: nothing of the unit depends on seeing it (a reference checked here is still checked by
 * its foreign key at the insert).
 */
export type UnitCache = {
  /**
   * `repo` with `reads` remembered under `table`. Any other method forgets the table's answers
   * first, unless `othersWrite` is false (a repository whose other methods write other tables).
   */
  remember<R extends object>(repo: R, table: string, reads: readonly (keyof R)[], options?: { othersWrite?: boolean }): R;
  /** `repo` whose every call forgets the answers of `tables` (repositories that write them). */
  forgetOn<R extends object>(repo: R, tables: readonly string[]): R;
  /** Sets the answer a remembered `method` of `table` gives for `args`: what the unit just wrote. */
  prime(table: string, method: string, args: unknown[], value: unknown): void;
  /** Forgets the answers of `table`. */
  forget(table: string): void;
  /** Forgets everything (a savepoint rolled back). */
  clear(): void;
};

type Method = (...args: unknown[]) => unknown;

export function createUnitCache(): UnitCache {
  const tables = new Map<string, Map<string, Promise<unknown>>>();
  const forget = (table: string) => void tables.delete(table);
  const keyOf = (method: string, args: unknown[]) => `${method}:${JSON.stringify(args)}`;
  const answersOf = (table: string) => {
    let answers = tables.get(table);
    if (!answers) tables.set(table, (answers = new Map()));
    return answers;
  };

  function remembered(table: string, key: string, load: () => Promise<unknown>): Promise<unknown> {
    const answers = answersOf(table);
    let answer = answers.get(key);
    if (!answer) {
      answer = load();
      answers.set(key, answer);
      // A failed read is not an answer: the next call reads again (the unit is failing anyway).
      answer.catch(() => answers.get(key) === answer && answers.delete(key));
    }
    return answer.then((value) => structuredClone(value));
  }

  const wrap = <R extends object>(repo: R, call: (name: string, method: Method, args: unknown[]) => unknown): R =>
    Object.fromEntries(
      Object.entries(repo).map(([name, method]) => [name, typeof method === 'function' ? (...args: unknown[]) => call(name, method as Method, args) : method]),
    ) as R;

  return {
    remember(repo, table, reads, { othersWrite = true } = {}) {
      const cached = new Set<string>(reads as readonly string[]);
      return wrap(repo, (name, method, args) => {
        if (!cached.has(name)) {
          if (othersWrite) forget(table);
          return method.apply(repo, args);
        }
        return remembered(table, keyOf(name, args), () => method.apply(repo, args) as Promise<unknown>);
      });
    },
    forgetOn(repo, names) {
      return wrap(repo, (_name, method, args) => {
        for (const table of names) forget(table);
        return method.apply(repo, args);
      });
    },
    prime: (table, method, args, value) => void answersOf(table).set(keyOf(method, args), Promise.resolve(structuredClone(value))),
    forget,
    clear: () => tables.clear(),
  };
}
