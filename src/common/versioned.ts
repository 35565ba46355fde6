import { notFound, preconditionFailed } from './errors.js';

/**
 * The versions a write may apply to, from If-Match: one, any of several (`If-Match: "3", "4"`: a
 * client that holds more than one representation), or undefined for "whatever it is now".
 */
export type ExpectedVersion = number | readonly number[] | undefined;

/** A write that names the version(s) it read (If-Match) is refused when the record has moved on. */
export function checkVersion(expected: ExpectedVersion, current: number): void {
  if (expected === undefined) return;
  if (typeof expected === 'number' ? expected !== current : !expected.includes(current)) throw preconditionFailed(current);
}

const ATTEMPTS = 3;

/**
 * An optimistic write: reads the record, checks the caller's expected version, and writes at the
 * version it read (`write` returns undefined when the record no longer has it: another writer got
 * there first, possible on PostgreSQL between the read and the write). A caller that named a
 * version gets the 412 then; one that did not is retried on the fresh record. Returns the record
 * as written and as it was before; `write` may return `current` itself for "nothing to change".
 */
export async function writeAtVersion<Row extends { version: number }>(
  read: () => Promise<Row>,
  expected: ExpectedVersion,
  write: (current: Row) => Promise<Row | undefined>,
): Promise<{ row: Row; previous: Row }> {
  for (let attempt = 1; ; attempt++) {
    const current = await read();
    checkVersion(expected, current.version);
    const row = await write(current);
    if (row) return { row, previous: current };
    if (expected !== undefined || attempt === ATTEMPTS) {
      const now = await read().catch(() => undefined);
      if (!now) throw notFound('The record');
      throw preconditionFailed(now.version);
    }
  }
}
